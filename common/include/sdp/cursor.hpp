#pragma once
// The paging cursor of every list the platform answers (declarations, queues, inboxes): the
// position of the last row of a page, as (DATETIME(6) text, row id), and for a list that can be
// sorted more than one way the sort it was taken in; opaque to clients.

#include <optional>
#include <string>
#include <string_view>

namespace sdp {

struct PageCursor {
  std::string time;  // MariaDB DATETIME(6) text, e.g. "2026-11-26 09:30:00.123456": the sort key
  std::string id;    // a 36-character row id (UUID text)
  std::string sort;  // the sort the time is the key of ("due_at"); "" for a list sorted one way only
  bool operator==(const PageCursor&) const = default;
};

// base64url of "<time>|<id>", or "<time>|<id>|<sort>" when it names its sort.
std::string encode_cursor(const PageCursor& cursor);
// The cursor, or nothing when the text is not one this platform issued (not base64url, no
// separator, a time that is not DATETIME(6) text, an id that is not 36 characters, a sort that is
// not 1 to 32 of [a-z_]).
std::optional<PageCursor> decode_cursor(std::string_view text);

}  // namespace sdp
