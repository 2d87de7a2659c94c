#pragma once
// The scoring service: answers score previews (a self-assessment, nothing saved) over NATS.
// Declarations are scored by workflow, in the transaction that changes them, with the same library.

#include "sdp/commands.hpp"
#include "sdp/scoring/scorer.hpp"
#include "sdp/service.hpp"

namespace sdp::scoring {

ServiceSpec spec();
void setup(Runtime& runtime);

// The pure core of the preview command: the score object, or every problem with its pointer.
Result<cmd::Document> preview(const Scorer& scorer, const cmd::PreviewScore& command);

}  // namespace sdp::scoring
