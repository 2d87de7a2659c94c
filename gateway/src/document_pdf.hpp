#pragma once
// The 申报书 as a PDF (CONTRACT §9), laid out by Pango over Cairo in the Noto CJK font Debian's
// fonts-noto-cjk ships: a cover, every item or indicator of the programme with the claim, the
// evidence text and the files with their SHA-256, the self-assessed score, the boxes for the legal
// representative's signature and the unit's stamp, and on every page 第 X 页 共 Y 页 with the
// verification code and its QR code. Tables continue across pages with their header repeated; a
// long evidence text breaks between its lines.
//
// Deterministic: the same document (workflow's `document` reply) and the same URL give the same
// bytes — the PDF's dates are the version's own time, and nothing random is written.

#include <nlohmann/json.hpp>
#include <string>

#include "sdp/scoring/scorer.hpp"

namespace sdp::gateway {

struct Pdf {
  std::string bytes;
  int pages = 0;
};

// `document` is workflow's reply to DeclarationDocument; `verify_url` the address the QR code
// carries (…/v1/public/verify/CODE). Thread-safe: each call has its own Cairo surface and Pango
// context (PangoCairo's font map is per thread).
Pdf render_declaration_pdf(const nlohmann::json& document, const scoring::Scorer& scorer,
                           const std::string& verify_url);

// Throws sdp::Error (config) unless Pango resolves the document font to Noto Sans CJK: without it,
// Chinese would print in whatever font the machine has, or as boxes.
void require_document_font();

// "ABCDEFGHJKMNPQRS" -> "ABCD-EFGH-JKMN-PQRS", as printed.
std::string grouped_code(const std::string& code);

}  // namespace sdp::gateway
