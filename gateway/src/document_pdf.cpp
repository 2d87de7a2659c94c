#include "document_pdf.hpp"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sdp/error.hpp"

namespace sdp::gateway {
namespace {

using nlohmann::json;

// ---- the page: A4 in points, margins, the footer's band ----
constexpr double kPageW = 595.276, kPageH = 841.890;
constexpr double kLeft = 50, kRight = 50, kTop = 58, kBottom = 92;
constexpr double kWidth = kPageW - kLeft - kRight;
constexpr double kQrSize = 62;
constexpr const char* kSans = "Noto Sans CJK SC";
constexpr const char* kMono = "Noto Sans Mono CJK SC";

struct Grey {
  double r, g, b;
};
constexpr Grey kInk{0.1, 0.1, 0.1}, kMuted{0.42, 0.42, 0.42}, kRule{0.6, 0.6, 0.6}, kShade{0.93, 0.94, 0.96};

void colour(cairo_t* cr, Grey g) { cairo_set_source_rgb(cr, g.r, g.g, g.b); }

using LayoutPtr = std::shared_ptr<PangoLayout>;

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "2026-12-03T07:26:57.123Z" (UTC) -> "2026年12月03日 15:26" (China Standard Time); "" for none.
std::string china_time(const json& t) {
  if (!t.is_string()) return "";
  int y, mo, d, h, mi;
  if (std::sscanf(t.get<std::string>().c_str(), "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi) != 5) return "";
  using namespace std::chrono;
  const sys_days date{year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(d)}};
  const auto at = date + hours{h + 8} + minutes{mi};
  auto local_day = floor<days>(at);
  year_month_day ymd{local_day};
  hh_mm_ss hms{at - local_day};
  char out[64];
  std::snprintf(out, sizeof out, "%04d年%02u月%02u日 %02ld:%02ld", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()));
  return out;
}

std::string size_text(int64_t bytes) {
  char out[32];
  if (bytes < 1024)
    std::snprintf(out, sizeof out, "%lld B", static_cast<long long>(bytes));
  else if (bytes < 1024 * 1024)
    std::snprintf(out, sizeof out, "%.1f KB", bytes / 1024.0);
  else
    std::snprintf(out, sizeof out, "%.1f MB", bytes / 1048576.0);
  return out;
}

std::string number_text(double v) {
  char out[32];
  std::snprintf(out, sizeof out, "%.2f", v);
  std::string s = out;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// "1–5 级", "3–5 级", "5 级": the levels an item is starred at (consecutive in the catalogue; any
// other set is listed).
std::string levels_text(const std::vector<int>& levels) {
  if (levels.empty()) return "—";
  bool consecutive = true;
  for (size_t i = 1; i < levels.size(); ++i) consecutive = consecutive && levels[i] == levels[i - 1] + 1;
  if (levels.size() == 1) return std::to_string(levels[0]) + " 级";
  if (consecutive) return std::to_string(levels.front()) + "–" + std::to_string(levels.back()) + " 级";
  std::string out;
  for (size_t i = 0; i < levels.size(); ++i) out += (i ? "、" : "") + std::to_string(levels[i]);
  return out + " 级";
}

// ---- measured text ----
class Typesetter {
 public:
  explicit Typesetter(cairo_t* cr) : context_(pango_cairo_create_context(cr), g_object_unref) {
    // Unhinted metrics: the layout is the same whatever the machine's font settings.
    auto* options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(context_.get(), options);
    cairo_font_options_destroy(options);
  }

  // `text` set in `font` ("Noto Sans CJK SC 9"), broken to `width` points (0: one line).
  LayoutPtr layout(const std::string& text, const std::string& font, double width, bool bold = false,
                   PangoAlignment align = PANGO_ALIGN_LEFT) const {
    LayoutPtr l(pango_layout_new(context_.get()), g_object_unref);
    auto* desc = pango_font_description_from_string(font.c_str());
    if (bold) pango_font_description_set_weight(desc, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(l.get(), desc);
    pango_font_description_free(desc);
    if (width > 0) {
      pango_layout_set_width(l.get(), static_cast<int>(width * PANGO_SCALE));
      pango_layout_set_wrap(l.get(), PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(l.get(), align);
    pango_layout_set_text(l.get(), text.c_str(), static_cast<int>(text.size()));
    return l;
  }

  PangoContext* context() const { return context_.get(); }

 private:
  std::unique_ptr<PangoContext, decltype(&g_object_unref)> context_;
};

double height_of(const LayoutPtr& l) {
  int w, h;
  pango_layout_get_size(l.get(), &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

void show(cairo_t* cr, const LayoutPtr& l, double x, double y, Grey g = kInk) {
  colour(cr, g);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, l.get());
}

// ---- the flow: slices that cannot break, placed down the pages ----
struct Slice {
  double height = 0;
  std::function<void(cairo_t*, double y)> draw;
  bool keep_with_next = false;    // never the last slice of a page
  bool page_break_after = false;  // the cover ends its page
  const Slice* header = nullptr;  // the table header repeated atop a page this slice starts
};

// Lines of a paragraph, one slice each, so a long evidence text breaks between its lines.
void add_lines(std::vector<Slice>& out, const LayoutPtr& layout, double x, const Slice* header,
               std::function<void(cairo_t*, double y, double h)> behind = nullptr) {
  PangoLayoutIter* it = pango_layout_get_iter(layout.get());
  do {
    PangoRectangle logical;
    pango_layout_iter_get_line_extents(it, nullptr, &logical);
    const double baseline = static_cast<double>(pango_layout_iter_get_baseline(it) - logical.y) / PANGO_SCALE;
    const double h = static_cast<double>(logical.height) / PANGO_SCALE;
    PangoLayoutLine* line = pango_layout_iter_get_line_readonly(it);
    pango_layout_line_ref(line);
    std::shared_ptr<PangoLayoutLine> held(line, pango_layout_line_unref);
    const double dx = static_cast<double>(logical.x) / PANGO_SCALE;
    out.push_back({h,
                   [held, layout, x, dx, baseline, h, behind](cairo_t* cr, double y) {
                     if (behind) behind(cr, y, h);
                     colour(cr, kInk);
                     cairo_move_to(cr, x + dx, y + baseline);
                     pango_cairo_show_layout_line(cr, held.get());
                   },
                   false, false, header});
  } while (pango_layout_iter_next_line(it));
  pango_layout_iter_free(it);
}

Slice spacer(double h, const Slice* header = nullptr) {
  return {h, [](cairo_t*, double) {}, false, false, header};
}

// A row of bordered cells of the given widths; text vertically at the top with padding.
struct Cell {
  LayoutPtr text;
  LayoutPtr note;  // a second, muted line under it (the item's category), or none
};
constexpr double kPad = 4;

Slice table_row(std::vector<Cell> cells, std::vector<double> widths, bool shaded, const Slice* header) {
  double h = 0;
  for (const auto& c : cells) {
    double ch = height_of(c.text) + (c.note ? height_of(c.note) + 1 : 0);
    h = std::max(h, ch);
  }
  h += 2 * kPad;
  return {h,
          [cells, widths, shaded, h](cairo_t* cr, double y) {
            double x = kLeft;
            for (size_t i = 0; i < cells.size(); ++i) {
              if (shaded) {
                colour(cr, kShade);
                cairo_rectangle(cr, x, y, widths[i], h);
                cairo_fill(cr);
              }
              colour(cr, kRule);
              cairo_set_line_width(cr, 0.5);
              cairo_rectangle(cr, x, y, widths[i], h);
              cairo_stroke(cr);
              show(cr, cells[i].text, x + kPad, y + kPad);
              if (cells[i].note) show(cr, cells[i].note, x + kPad, y + kPad + height_of(cells[i].text) + 1, kMuted);
              x += widths[i];
            }
          },
          false, false, header};
}

// ---- the QR code: the verify URL, drawn as squares (vector, sharp at any print size) ----
void draw_qr(cairo_t* cr, const std::string& text, double x, double y, double size) {
  std::unique_ptr<QRcode, decltype(&QRcode_free)> qr(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1),
                                                     QRcode_free);
  if (!qr) throw Error(ErrorSource::io, "the QR code could not be made");
  const int quiet = 2;  // modules of white around it (the page's margin adds to it)
  const double m = size / (qr->width + 2 * quiet);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_rectangle(cr, x, y, size, size);
  cairo_fill(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  for (int r = 0; r < qr->width; ++r)
    for (int c = 0; c < qr->width; ++c)
      if (qr->data[r * qr->width + c] & 1) cairo_rectangle(cr, x + (c + quiet) * m, y + (r + quiet) * m, m, m);
  cairo_fill(cr);
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

// ---- what the document says ----
struct Book {
  const json& doc;
  const scoring::Scorer& scorer;
  Typesetter& ts;
  std::vector<Slice> slices;
  std::vector<std::unique_ptr<Slice>> headers;  // table headers, alive while the slices point at them

  std::string font(double size) const { return std::string(kSans) + " " + number_text(size); }
  std::string mono(double size) const { return std::string(kMono) + " " + number_text(size); }

  void heading(const std::string& text) {
    slices.push_back(spacer(10));
    auto l = ts.layout(text, font(13), kWidth, true);
    slices.push_back({height_of(l) + 6, [l](cairo_t* cr, double y) { show(cr, l, kLeft, y); }, true});
  }

  void paragraph(const std::string& text, double size = 9.5, const Slice* header = nullptr) {
    add_lines(slices, ts.layout(text, font(size), kWidth), kLeft, header);
  }

  // The files of `item`, each with its name, size and SHA-256, under the item's row.
  void files_of(const std::string& item, const Slice* header) {
    int n = 0;
    for (const auto& f : doc.at("files")) {
      if (text_of(f, "item") != item) continue;
      ++n;
      const double indent = 16;
      auto line = ts.layout("附件 " + std::to_string(n) + "：" + text_of(f, "name") + "（" +
                                size_text(f.value("size", int64_t{0})) + "）",
                            font(8.5), kWidth - indent);
      add_lines(slices, line, kLeft + indent, header);
      auto hash = ts.layout("SHA-256 " + text_of(f, "sha256"), mono(7.5), kWidth - indent - 12);
      add_lines(slices, hash, kLeft + indent + 12, header);
    }
    if (n > 0) slices.push_back(spacer(3, header));
  }

  void evidence(const std::string& text, const Slice* header) {
    if (text.empty()) return;
    const double indent = 16;
    auto l = ts.layout("佐证说明：" + text, font(9), kWidth - indent - 6);
    add_lines(slices, l, kLeft + indent + 6, header, [indent](cairo_t* cr, double y, double h) {
      colour(cr, kRule);
      cairo_rectangle(cr, kLeft + indent, y, 1.5, h);
      cairo_fill(cr);
    });
    slices.push_back(spacer(3, header));
  }

  const Slice* header_row(std::vector<std::string> titles, const std::vector<double>& widths) {
    std::vector<Cell> cells;
    for (size_t i = 0; i < titles.size(); ++i)
      cells.push_back({ts.layout(titles[i], font(9), widths[i] - 2 * kPad, true)});
    headers.push_back(std::make_unique<Slice>(table_row(cells, widths, true, nullptr)));
    return headers.back().get();
  }

  void kv_table(const std::vector<std::pair<std::string, std::string>>& rows, const std::string& mono_key = "") {
    const std::vector<double> widths{120, kWidth - 120};
    for (const auto& [k, v] : rows) {
      auto value = k == mono_key ? ts.layout(v, mono(8.5), widths[1] - 2 * kPad)
                                 : ts.layout(v.empty() ? "—" : v, font(10), widths[1] - 2 * kPad);
      slices.push_back(
          table_row({{ts.layout(k, font(10), widths[0] - 2 * kPad, true)}, {value}}, widths, false, nullptr));
    }
  }

  void cover(const std::string& code) {
    const bool ms = text_of(doc.at("declaration"), "kind") == "morning_star";
    const auto& d = doc.at("declaration");
    const auto& payload = doc.at("payload");
    auto title =
        ts.layout(ms ? "山东省晨星工厂申报书" : "山东省产业大脑申报书", font(24), kWidth, true, PANGO_ALIGN_CENTER);
    slices.push_back(spacer(40));
    slices.push_back({height_of(title), [title](cairo_t* cr, double y) { show(cr, title, kLeft, y); }});
    const auto& round = doc.at("round");
    auto sub = ts.layout(round.is_object() ? text_of(round, "title") : std::string(), font(12), kWidth, false,
                         PANGO_ALIGN_CENTER);
    slices.push_back(spacer(10));
    slices.push_back({height_of(sub), [sub](cairo_t* cr, double y) { show(cr, sub, kLeft, y, kMuted); }});
    slices.push_back(spacer(30));
    const bool submitted = doc.value("submitted", false);
    const auto& contact = doc.at("contact");
    std::vector<std::pair<std::string, std::string>> rows{
        {"申报编号", text_of(d, "number")},
        {"申报单位", text_of(doc, "org_name")},
        {"统一社会信用代码", text_of(d, "org")},
        {"所在地区", text_of(d, "city_name") + " " + text_of(d, "region_name")},
        {"申报名称", text_of(doc, "title")}};
    if (ms) {
      auto lv = payload.find("claimed_level");
      rows.push_back(
          {"申报等级", lv != payload.end() && lv->is_number() ? std::to_string(lv->get<int>()) + " 级" : ""});
    } else {
      rows.push_back({"产业集群", text_of(payload, "cluster_name")});
    }
    rows.insert(rows.end(), {{"联系人", text_of(contact, "name")},
                             {"联系电话", text_of(contact, "phone")},
                             {"电子邮箱", text_of(contact, "email")},
                             {"申报书版本", "第 " + std::to_string(doc.value("version", 0)) + " 版" +
                                                (submitted ? "（已提交）" : "（草稿，尚未提交）")},
                             {"创建时间", china_time(d.value("created_at", json()))},
                             {"本版保存时间", china_time(doc.value("saved_at", json()))},
                             {"提交时间", submitted ? china_time(doc.value("submitted_at", json())) : "未提交"},
                             {"验证码", grouped_code(code)},
                             {"内容摘要（SHA-256）", text_of(doc, "content_sha256")}});
    kv_table(rows, "内容摘要（SHA-256）");
    slices.push_back(spacer(14));
    paragraph(
        "核验：扫描每页页脚的二维码，或在“山东省数字经济申报平台”以验证码查询，可确认本申报书与平台在线记录一致；"
        "内容摘要为该版本申报内容（含佐证材料文件的 SHA-256）的摘要。",
        8.5);
    slices.back().page_break_after = true;
  }

  void morning_star_items() {
    heading("一、评价条目自评（共 72 项）");
    paragraph("“标★等级”为评价指标体系中该条目标★（必须满足）的等级；“自评”为申报单位对是否满足该条目的声明。", 8.5);
    slices.push_back(spacer(4));
    const std::vector<double> widths{44, 210, 92, 50, kWidth - 396};
    const Slice* header = header_row({"编号", "条目（分类 · 一级指标）", "标★等级", "自评", "佐证材料"}, widths);
    slices.push_back(*header);
    slices.back().keep_with_next = true;
    const auto& criteria = doc.at("payload").value("criteria", json::object());
    for (const auto& c : scorer.morning_star_catalog().criteria) {
      auto it = criteria.find(c.id);
      const json entry = it != criteria.end() ? *it : json::object();
      std::string claim = "未填";
      if (auto met = entry.find("met"); met != entry.end() && met->is_boolean())
        claim = met->get<bool>() ? "满足" : "不满足";
      int files = 0;
      for (const auto& f : doc.at("files")) files += text_of(f, "item") == c.id;
      auto row =
          table_row({{ts.layout(c.id, font(9), widths[0] - 2 * kPad)},
                     {ts.layout(c.name, font(9), widths[1] - 2 * kPad),
                      ts.layout(c.category + " · " + c.indicator, font(7.5), widths[1] - 2 * kPad)},
                     {ts.layout(levels_text(c.levels), font(9), widths[2] - 2 * kPad)},
                     {ts.layout(claim, font(9), widths[3] - 2 * kPad, claim == "满足")},
                     {ts.layout(files ? std::to_string(files) + " 个文件" : "—", font(9), widths[4] - 2 * kPad)}},
                    widths, false, header);
      row.keep_with_next = !text_of(entry, "evidence").empty() || files > 0;
      slices.push_back(std::move(row));
      evidence(text_of(entry, "evidence"), header);
      files_of(c.id, header);
    }
  }

  void industry_brain_items() {
    heading("一、评价指标填报（共 32 项）");
    const auto& catalog = scorer.industry_brain_catalog();
    const auto& indicators = doc.at("payload").value("indicators", json::object());
    const auto& points =
        doc.at("score").is_object() ? doc.at("score").value("indicators", json::object()) : json::object();
    const std::vector<double> widths{44, 218, 110, 60, kWidth - 432};
    for (const auto& dim : catalog.dimensions) {
      paragraph(dim.id + " " + dim.name, 10.5);
      const Slice* header = header_row({"编号", "指标", "填报", "得分", "佐证材料"}, widths);
      slices.back().keep_with_next = true;
      slices.push_back(*header);
      slices.back().keep_with_next = true;
      for (const auto& ind : catalog.indicators) {
        if (ind.dimension != dim.id) continue;
        auto it = indicators.find(ind.id);
        const json entry = it != indicators.end() ? *it : json::object();
        std::string value = "未填";
        if (auto v = entry.find("value"); v != entry.end() && v->is_number())
          value = number_text(v->get<double>()) + (ind.unit ? " " + *ind.unit : "");
        else if (auto g = entry.find("grade"); g != entry.end() && g->is_string())
          value = "等级 " + g->get<std::string>();
        std::string score = "—";
        if (auto p = points.find(ind.id); p != points.end() && p->is_object())
          score = number_text(p->value("points", 0.0)) + " / " + number_text(p->value("max", 0.0));
        int files = 0;
        for (const auto& f : doc.at("files")) files += text_of(f, "item") == ind.id;
        auto row =
            table_row({{ts.layout(ind.id, font(9), widths[0] - 2 * kPad)},
                       {ts.layout(ind.name, font(9), widths[1] - 2 * kPad)},
                       {ts.layout(value, font(9), widths[2] - 2 * kPad)},
                       {ts.layout(score, font(9), widths[3] - 2 * kPad)},
                       {ts.layout(files ? std::to_string(files) + " 个文件" : "—", font(9), widths[4] - 2 * kPad)}},
                      widths, false, header);
        row.keep_with_next = !text_of(entry, "evidence").empty() || files > 0;
        slices.push_back(std::move(row));
        evidence(text_of(entry, "evidence"), header);
        files_of(ind.id, header);
      }
      slices.push_back(spacer(6));
    }
  }

  void score() {
    heading("二、自评结果");
    const auto& s = doc.at("score");
    if (!s.is_object()) {
      paragraph("（该版本尚不能计分）");
      return;
    }
    const auto model = s.value("model", json::object());
    std::vector<std::pair<std::string, std::string>> rows{
        {"评分模型", text_of(model, "name") + " " + text_of(model, "version")}};
    if (text_of(doc.at("declaration"), "kind") == "morning_star") {
      auto level = [&](const char* key) {
        auto v = s.find(key);
        return v != s.end() && v->is_number() && v->get<int>() > 0 ? std::to_string(v->get<int>()) + " 级"
                                                                   : "未达到 1 级";
      };
      rows.push_back({"申报等级", level("claimed_level")});
      rows.push_back({"自评等级", level("self_assessed_level")});
      std::string gaps;
      const auto missing = s.value("missing", json::object());
      for (const auto& [lv, ids] : missing.items()) {
        if (ids.empty()) continue;
        std::string list;
        for (const auto& id : ids) list += (list.empty() ? "" : "、") + id.get<std::string>();
        gaps += (gaps.empty() ? "" : "；") + lv + " 级缺 " + list;
      }
      rows.push_back({"未满足的标★条目", gaps.empty() ? "无" : gaps});
    } else {
      rows.push_back({"自评总分", number_text(s.value("self_assessed_total", s.value("total", 0.0))) + " / 100"});
      for (const auto& dim : scorer.industry_brain_catalog().dimensions) {
        auto d = s.value("dimensions", json::object()).value(dim.id, json::object());
        rows.push_back(
            {dim.id + " " + dim.name, number_text(d.value("points", 0.0)) + " / " + number_text(d.value("max", 0.0))});
      }
    }
    kv_table(rows);
    paragraph("以上为按申报内容自动计算的自评结果；县、市、省级核定与专家评审的结论以平台记录为准。", 8.5);
  }

  void signatures() {
    heading("三、承诺与签章");
    const size_t first = slices.size() - 2;  // the heading's spacer and line
    paragraph(
        "本单位承诺：本申报书所填报的内容及所附佐证材料真实、准确、完整，与平台在线记录一致；如有虚假，"
        "愿承担相应责任。",
        10);
    for (size_t i = first; i < slices.size(); ++i) slices[i].keep_with_next = true;  // one block with the boxes
    auto left = ts.layout("法定代表人（签字）：", font(10.5), 0);
    auto right = ts.layout("单位（盖章）：", font(10.5), 0);
    auto date = ts.layout("日期：        年      月      日", font(10.5), 0);
    const double h = 150;
    slices.push_back(spacer(10));
    slices.back().keep_with_next = true;
    slices.push_back({h, [left, right, date, h](cairo_t* cr, double y) {
                        const double w = (kWidth - 20) / 2;
                        colour(cr, kInk);
                        cairo_set_line_width(cr, 0.8);
                        for (double x : {kLeft, kLeft + w + 20}) {
                          cairo_rectangle(cr, x, y, w, h);
                          cairo_stroke(cr);
                        }
                        show(cr, left, kLeft + 10, y + 10);
                        show(cr, right, kLeft + w + 30, y + 10);
                        show(cr, date, kLeft + 10, y + h - 28);
                        show(cr, date, kLeft + w + 30, y + h - 28);
                        // Where the stamp goes: a dashed circle, so it is not set over the text.
                        static const double dash[] = {3, 3};
                        cairo_set_dash(cr, dash, 2, 0);
                        colour(cr, kRule);
                        cairo_new_path(cr);
                        cairo_arc(cr, kLeft + w + 20 + w / 2, y + h / 2 + 4, 42, 0, 2 * M_PI);
                        cairo_stroke(cr);
                        cairo_set_dash(cr, nullptr, 0, 0);
                      }});
  }
};

// Slices onto pages: a slice that does not fit starts a new page, its table's header first; a
// slice kept with the next moves with it.
std::vector<std::vector<std::pair<const Slice*, double>>> paginate(const std::vector<Slice>& slices) {
  std::vector<std::vector<std::pair<const Slice*, double>>> pages(1);
  const double bottom = kPageH - kBottom;
  double y = kTop;
  auto new_page = [&](const Slice* header) {
    pages.emplace_back();
    y = kTop;
    if (header) {
      pages.back().emplace_back(header, y);
      y += header->height;
    }
  };
  for (size_t i = 0; i < slices.size(); ++i) {
    const auto& s = slices[i];
    double need = s.height;
    for (size_t j = i; j + 1 < slices.size() && slices[j].keep_with_next && need < 320; ++j)
      need += slices[j + 1].height;
    const bool fresh = pages.back().empty() || (pages.back().size() == 1 && pages.back()[0].first == s.header);
    if (y + need > bottom && !fresh) new_page(s.header);
    pages.back().emplace_back(&s, y);
    y += s.height;
    if (s.page_break_after && i + 1 < slices.size()) new_page(nullptr);
  }
  return pages;
}

void furniture(cairo_t* cr, Typesetter& ts, const json& doc, const std::string& code, const std::string& url, int page,
               int pages) {
  const auto& d = doc.at("declaration");
  const bool ms = text_of(d, "kind") == "morning_star";
  const std::string small = std::string(kSans) + " 8";
  // The running head: programme, number and version, org.
  auto head = ts.layout(std::string(ms ? "晨星工厂申报书" : "产业大脑申报书") + "　" + text_of(d, "number") + "　第 " +
                            std::to_string(doc.value("version", 0)) + " 版",
                        small, kWidth * 0.62);
  auto org = ts.layout(text_of(doc, "org_name"), small, kWidth * 0.38, false, PANGO_ALIGN_RIGHT);
  pango_layout_set_ellipsize(org.get(), PANGO_ELLIPSIZE_END);
  show(cr, head, kLeft, 30, kMuted);
  show(cr, org, kLeft + kWidth * 0.62, 30, kMuted);
  colour(cr, kRule);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, kLeft, 44);
  cairo_line_to(cr, kPageW - kRight, 44);
  cairo_stroke(cr);
  // The foot: verification code and QR code on every page, and 第 X 页 共 Y 页.
  const double foot = kPageH - kBottom + 14;
  cairo_move_to(cr, kLeft, foot - 6);
  cairo_line_to(cr, kPageW - kRight, foot - 6);
  cairo_stroke(cr);
  auto verify = ts.layout("验证码 " + grouped_code(code), std::string(kMono) + " 9", 0);
  auto how =
      ts.layout("扫描右侧二维码或访问下列地址，核验本页所属申报书与平台记录一致：", small, kWidth - kQrSize - 20);
  auto where = ts.layout(url, std::string(kMono) + " 6.5", kWidth - kQrSize - 20);
  auto count = ts.layout("第 " + std::to_string(page) + " 页 共 " + std::to_string(pages) + " 页",
                         std::string(kSans) + " 9", kWidth - kQrSize - 20);
  show(cr, verify, kLeft, foot);
  show(cr, how, kLeft, foot + 15, kMuted);
  show(cr, where, kLeft, foot + 15 + height_of(how) + 1, kMuted);
  show(cr, count, kLeft, foot + 48);
  draw_qr(cr, url, kPageW - kRight - kQrSize, foot - 2, kQrSize);
}

}  // namespace

std::string grouped_code(const std::string& code) {
  std::string out;
  for (size_t i = 0; i < code.size(); ++i) out += (i && i % 4 == 0 ? "-" : "") + std::string(1, code[i]);
  return out;
}

Pdf render_declaration_pdf(const json& doc, const scoring::Scorer& scorer, const std::string& verify_url) {
  Pdf out;
  auto* surface = cairo_pdf_surface_create_for_stream(append, &out.bytes, kPageW, kPageH);
  cairo_pdf_surface_restrict_to_version(surface, CAIRO_PDF_VERSION_1_5);
  // The document's own dates, not the clock: the same version gives the same bytes.
  const auto at = text_of(doc, "saved_at").substr(0, 19);
  const auto code = text_of(doc, "code");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, at.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_MOD_DATE, at.c_str());
  const auto title = text_of(doc.at("declaration"), "number") + " " + text_of(doc, "title");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, text_of(doc, "org_name").c_str());
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "山东省数字经济申报平台");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_KEYWORDS, ("验证码 " + grouped_code(code)).c_str());
  auto* cr = cairo_create(surface);
  {
    Typesetter ts(cr);
    Book book{doc, scorer, ts, {}, {}};
    book.cover(code);
    if (text_of(doc.at("declaration"), "kind") == "morning_star")
      book.morning_star_items();
    else
      book.industry_brain_items();
    book.score();
    book.signatures();
    const auto pages = paginate(book.slices);
    out.pages = static_cast<int>(pages.size());
    for (size_t p = 0; p < pages.size(); ++p) {
      for (const auto& [slice, y] : pages[p]) slice->draw(cr, y);
      furniture(cr, ts, doc, code, verify_url, static_cast<int>(p + 1), out.pages);
      cairo_show_page(cr);
    }
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const auto status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS)
    throw Error(ErrorSource::io, std::string("the PDF could not be written: ") + cairo_status_to_string(status));
  return out;
}

void require_document_font() {
  auto* map = pango_cairo_font_map_get_default();
  std::unique_ptr<PangoContext, decltype(&g_object_unref)> context(pango_font_map_create_context(map), g_object_unref);
  for (const char* family : {kSans, kMono}) {
    auto* desc = pango_font_description_from_string((std::string(family) + " 10").c_str());
    auto* font = pango_font_map_load_font(map, context.get(), desc);
    pango_font_description_free(desc);
    std::string got;
    if (font) {
      auto* described = pango_font_describe(font);
      got = pango_font_description_get_family(described) ? pango_font_description_get_family(described) : "";
      pango_font_description_free(described);
      g_object_unref(font);
    }
    if (got != family)
      throw Error(ErrorSource::config, std::string("the 申报书's font '") + family + "' is not installed (found '" +
                                           got + "'): install Debian's fonts-noto-cjk");
  }
}

}  // namespace sdp::gateway
