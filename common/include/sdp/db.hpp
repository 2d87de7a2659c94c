#pragma once
// MariaDB through MySQL Connector/C++ 1.1: a connection pool, parameterised statements only,
// transactions, and versioned migrations. Driver errors become sdp::Error here and nowhere else.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace sql {
class Connection;
class PreparedStatement;
class ResultSet;
}  // namespace sql

namespace sdp::db {

struct Options {
  std::string host = "127.0.0.1";
  int port = 3307;
  std::string user;
  std::string password;
  std::string database;
  int pool_size = 4;
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds io_timeout{30};
};

// A statement parameter. Only these types can reach SQL, and only through placeholders.
struct Param {
  std::variant<std::nullptr_t, int64_t, double, std::string, bool> value;
  Param(std::nullptr_t) : value(nullptr) {}
  Param(int v) : value(int64_t{v}) {}
  Param(long v) : value(int64_t{v}) {}
  Param(long long v) : value(int64_t{v}) {}
  Param(unsigned v) : value(int64_t{v}) {}
  Param(double v) : value(v) {}
  Param(bool v) : value(v) {}
  Param(const char* v) : value(std::string(v)) {}
  Param(std::string v) : value(std::move(v)) {}
  Param(std::string_view v) : value(std::string(v)) {}
  template <class T>
  Param(const std::optional<T>& v) : Param(v ? Param(*v) : Param(nullptr)) {}
};

// The rows of a query, read forward once.
class Result {
 public:
  Result(std::shared_ptr<sql::PreparedStatement> stmt, std::unique_ptr<sql::ResultSet> rows);
  ~Result();
  Result(Result&&) noexcept;
  bool next();
  std::string str(const std::string& column) const;
  int64_t i64(const std::string& column) const;
  double f64(const std::string& column) const;
  bool is_null(const std::string& column) const;
  std::optional<std::string> opt_str(const std::string& column) const;

 private:
  std::shared_ptr<sql::PreparedStatement> stmt_;  // kept alive (and busy) while the rows are read
  std::unique_ptr<sql::ResultSet> rows_;
};

// Whether a statement is kept on its connection for the next run of the same text (prepared) or
// prepared for this run only and closed after it: `once` for a text built for its data, such as a
// batch's multi-row INSERT, which kept would stay once for every size on every connection (about 7
// of workflow's 30 MB under load).
enum class Prepare { keep, once };

class Connection {
 public:
  explicit Connection(std::unique_ptr<sql::Connection> conn);
  ~Connection();
  // Runs a parameterised statement; returns the rows it changed.
  uint64_t execute(const std::string& sql, std::initializer_list<Param> params = {});
  uint64_t execute(const std::string& sql, const std::vector<Param>& params, Prepare prepare = Prepare::keep);
  Result query(const std::string& sql, std::initializer_list<Param> params = {});
  Result query(const std::string& sql, const std::vector<Param>& params);
  // Runs a statement with no parameters, for migrations' DDL only.
  void execute_ddl(const std::string& sql);
  // A transaction is two round trips: START TRANSACTION, and COMMIT or ROLLBACK. The session
  // stays in autocommit mode, so a connection given back mid-way cannot leave one open by accident.
  void begin();
  void commit();
  void rollback();
  bool valid();  // a round trip (ping)
  bool in_transaction() const { return in_transaction_; }
  std::chrono::steady_clock::time_point last_used{};  // when it was last given back to the pool

  // The connection's prepared statement for `sql`, prepared once and reused: a statement costs
  // the server a prepare and a close, so reuse saves two round trips each time. With
  // Prepare::once, prepared for this run only and closed with its last user.
  std::shared_ptr<sql::PreparedStatement> prepared(const std::string& sql, Prepare prepare = Prepare::keep);
  // Drops `stmt` from the reuse cache if it is the one kept for `sql` (it closes with its last user).
  void forget(const std::string& sql, const std::shared_ptr<sql::PreparedStatement>& stmt);
  size_t statements_cached() const { return statements_.size(); }

 private:
  std::unique_ptr<sql::Connection> conn_;
  std::map<std::string, std::shared_ptr<sql::PreparedStatement>, std::less<>> statements_;
  bool in_transaction_ = false;
  void run(const char* what, const char* sql);
};

class Pool;

// A connection borrowed from the pool; returned when the lease ends (discarded if broken).
class Lease {
 public:
  Lease(Pool& pool, std::unique_ptr<Connection> conn)
      : pool_(&pool), conn_(std::move(conn)), uncaught_(std::uncaught_exceptions()) {}
  Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)), uncaught_(o.uncaught_) {}
  ~Lease();
  Connection* operator->() { return conn_.get(); }
  Connection& operator*() { return *conn_; }
  void discard() { broken_ = true; }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
  bool broken_ = false;
  int uncaught_;  // exceptions in flight when leased: more at the end means it ends by an error
};

class Pool {
 public:
  explicit Pool(Options options);
  ~Pool();
  // Waits up to `wait` for a free connection; opens one if below pool_size. Throws sdp::Error.
  // A connection idle for longer than a few seconds is pinged first; a busy one is not.
  Lease acquire(std::chrono::milliseconds wait = std::chrono::seconds(5));
  const Options& options() const { return options_; }
  // SELECT 1 on a pooled connection: the readiness check.
  bool ping();

 private:
  friend class Lease;
  void release(std::unique_ptr<Connection> conn, bool broken);
  std::unique_ptr<Connection> open();

  Options options_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_count_ = 0;
};

// Runs `work` in a transaction: commits when it returns, rolls back when it throws.
// A deadlock, a lock-wait timeout or a Galera certification conflict is retried up to `attempts`
// times, after a pause that grows, so that the transaction it lost to can finish first.
template <class F>
auto transaction(Pool& pool, F&& work, int attempts = 3) -> decltype(work(std::declval<Connection&>()));

bool is_duplicate_key(const std::exception& e);  // ER_DUP_ENTRY
// Records that `consumer` acted on `event_id`, in the caller's transaction; false when it already
// had (the caller then does nothing). Needs the processed_events table of the service's migrations.
bool mark_processed(Connection& conn, const std::string& consumer, const std::string& event_id);
bool is_retryable_conflict(const std::exception& e);  // deadlock, lock wait timeout

// "?, ?, ?" with `n` placeholders, for an IN list whose values are bound as parameters.
std::string placeholders(size_t n);

// Splits a migration file into statements on ';' outside quotes and comments; pure.
std::vector<std::string> split_statements(const std::string& text);

struct MigrationFile {
  int version;
  std::string name;
  std::filesystem::path path;
};
// The NNNN_name.sql files of `dir`, in version order; throws on a malformed name or a repeated version.
std::vector<MigrationFile> list_migrations(const std::filesystem::path& dir);

// Applies the migrations of `dir` not yet recorded in schema_migrations, under a named lock so
// that several instances can start at once. Refuses to start if an applied file was edited.
// Returns how many were applied.
int migrate(Pool& pool, const std::filesystem::path& dir);

// ---- implementation of the template ----
template <class F>
auto transaction(Pool& pool, F&& work, int attempts) -> decltype(work(std::declval<Connection&>())) {
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.acquire();
    try {
      lease->begin();
      if constexpr (std::is_void_v<decltype(work(*lease))>) {
        work(*lease);
        lease->commit();
        return;
      } else {
        auto result = work(*lease);
        lease->commit();
        return result;
      }
    } catch (const std::exception& e) {
      try {
        if (lease->in_transaction()) lease->rollback();
      } catch (...) {
        lease.discard();
      }
      if (attempt < attempts && is_retryable_conflict(e)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
        continue;
      }
      throw;
    }
  }
}

}  // namespace sdp::db
