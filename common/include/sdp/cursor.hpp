#pragma once
// The paging cursor of every list the platform answers (declarations, queues, inboxes): the
// position of the last row of a page, as (DATETIME(6) text, row id), opaque to clients.

#include <optional>
#include <string>
#include <string_view>

namespace sdp {

struct PageCursor {
  std::string time;  // MariaDB DATETIME(6) text, e.g. "2026-11-26 09:30:00.123456"
  std::string id;    // a 36-character row id (UUID text)
  bool operator==(const PageCursor&) const = default;
};

// base64url of "<time>|<id>".
std::string encode_cursor(const PageCursor& cursor);
// The cursor, or nothing when the text is not one this platform issued (not base64url, no
// separator, a time that is not DATETIME(6) text, an id that is not 36 characters).
std::optional<PageCursor> decode_cursor(std::string_view text);

}  // namespace sdp
