#pragma once
// Infrastructure failures (database, NATS, configuration) as one exception type.
//
// Error policy: infrastructure code in common/ converts natsStatus, jsErrCode and
// sql::SQLException into sdp::Error exactly once; domain code returns std::expected.

#include <stdexcept>
#include <string>

namespace sdp {

enum class ErrorSource { config, database, nats, io };

class Error : public std::runtime_error {
 public:
  Error(ErrorSource source, std::string message, int code = 0, bool transient = false)
      : std::runtime_error(std::move(message)), source_(source), code_(code), transient_(transient) {}

  ErrorSource source() const noexcept { return source_; }
  // The driver's own code: natsStatus, jsErrCode or the MariaDB error number.
  int code() const noexcept { return code_; }
  // True when trying again later may succeed (connection lost, timeout, deadlock).
  bool transient() const noexcept { return transient_; }

 private:
  ErrorSource source_;
  int code_;
  bool transient_;
};

}  // namespace sdp
