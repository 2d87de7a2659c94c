#include "sdp/db.hpp"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/files.hpp"
#include "sdp/leader_lease.hpp"
#include "sdp/log.hpp"

namespace sdp::db {
namespace {

// MariaDB error numbers worth a name.
constexpr int kDuplicateEntry = 1062;
constexpr int kLockWaitTimeout = 1205;
constexpr int kDeadlock = 1213;       // also Galera's certification failure and brute-force abort
constexpr int kWsrepNotReady = 1047;  // a Galera node outside the Primary component (or joining)

bool transient_code(int code) {
  switch (code) {
    case kLockWaitTimeout:
    case kDeadlock:
    case kWsrepNotReady:
    case 2002:  // can't connect through socket
    case 2003:  // can't connect to server
    case 2006:  // server has gone away
    case 2013:  // lost connection during query
    case 1040:  // too many connections
      return true;
    default: return false;
  }
}

// The one place where a driver exception becomes an sdp::Error.
[[noreturn]] void rethrow(const sql::SQLException& e, const std::string& what) {
  int code = e.getErrorCode();
  throw Error(ErrorSource::database,
              what + ": " + e.what() + " (MariaDB " + std::to_string(code) + ", SQLSTATE " + e.getSQLState() + ")",
              code, transient_code(code));
}

template <class F>
auto guarded(const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const sql::SQLException& e) {
    rethrow(e, what);
  }
}

template <class Params>
void bind(sql::PreparedStatement& stmt, const Params& params) {
  unsigned int index = 1;
  for (const auto& p : params) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>)
            stmt.setNull(index, 0);
          else if constexpr (std::is_same_v<T, int64_t>)
            stmt.setInt64(index, v);
          else if constexpr (std::is_same_v<T, double>)
            stmt.setDouble(index, v);
          else if constexpr (std::is_same_v<T, bool>)
            stmt.setBoolean(index, v);
          else
            stmt.setString(index, v);
        },
        p.value);
    ++index;
  }
}

// Connector/C++ 1.1 creates its driver singleton without a lock: the first call must not race
// (ThreadSanitizer saw two threads in get_driver_instance_by_name), so it is made once, here.
sql::mysql::MySQL_Driver* driver() {
  static sql::mysql::MySQL_Driver* const instance = sql::mysql::get_mysql_driver_instance();
  return instance;
}

// The MySQL client library wants each thread that uses it initialised, and finished on exit.
void ensure_thread_init() {
  struct ThreadGuard {
    ThreadGuard() { driver()->threadInit(); }
    ~ThreadGuard() { driver()->threadEnd(); }
  };
  thread_local ThreadGuard guard;
}

}  // namespace

// ---- Result ----
Result::Result(std::shared_ptr<sql::PreparedStatement> stmt, std::unique_ptr<sql::ResultSet> rows)
    : stmt_(std::move(stmt)), rows_(std::move(rows)) {}
Result::~Result() = default;
Result::Result(Result&&) noexcept = default;
bool Result::next() {
  return guarded("reading a row", [&] { return rows_->next(); });
}
std::string Result::str(const std::string& c) const {
  return guarded("reading " + c, [&] { return std::string(rows_->getString(c)); });
}
int64_t Result::i64(const std::string& c) const {
  return guarded("reading " + c, [&] { return static_cast<int64_t>(rows_->getInt64(c)); });
}
double Result::f64(const std::string& c) const {
  return guarded("reading " + c, [&] { return static_cast<double>(rows_->getDouble(c)); });
}
bool Result::is_null(const std::string& c) const {
  return guarded("reading " + c, [&] { return rows_->isNull(c); });
}
std::optional<std::string> Result::opt_str(const std::string& c) const {
  if (is_null(c)) return std::nullopt;
  return str(c);
}

// ---- Connection ----
Connection::Connection(std::unique_ptr<sql::Connection> conn) : conn_(std::move(conn)) {}
Connection::~Connection() {
  statements_.clear();  // before the connection they belong to
}

namespace {
template <class Params>
uint64_t execute_with(Connection& conn, const std::string& sql, const Params& params, Prepare prepare) {
  return guarded("executing statement", [&] {
    auto stmt = conn.prepared(sql, prepare);
    stmt->clearParameters();
    bind(*stmt, params);
    return static_cast<uint64_t>(stmt->executeUpdate());
  });
}

template <class Params>
Result query_with(Connection& conn, const std::string& sql, const Params& params) {
  return guarded("running query", [&] {
    auto stmt = conn.prepared(sql);
    stmt->clearParameters();
    bind(*stmt, params);
    std::unique_ptr<sql::ResultSet> rows(stmt->executeQuery());
    // The driver keeps a statement's buffered rows until it runs again or closes: a statement that
    // returned more than one row is not kept, so the rows go when this result does.
    if (rows->rowsCount() > 1) conn.forget(sql, stmt);
    return Result(std::move(stmt), std::move(rows));
  });
}
}  // namespace

std::shared_ptr<sql::PreparedStatement> Connection::prepared(const std::string& sql, Prepare prepare) {
  // Owned from the moment the driver returns it, before the shared_ptr allocates its count.
  auto fresh = [&] { return std::shared_ptr(std::unique_ptr<sql::PreparedStatement>(conn_->prepareStatement(sql))); };
  if (prepare == Prepare::once) return fresh();
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    // Still reading rows of an earlier run of the same statement: use a fresh one meanwhile.
    if (it->second.use_count() > 1) return fresh();
    return it->second;
  }
  if (statements_.size() >= 256) statements_.clear();  // dynamic SQL (IN lists) must not grow it forever
  auto stmt = fresh();
  statements_.emplace(sql, stmt);
  return stmt;
}

void Connection::forget(const std::string& sql, const std::shared_ptr<sql::PreparedStatement>& stmt) {
  if (auto it = statements_.find(sql); it != statements_.end() && it->second == stmt) statements_.erase(it);
}

uint64_t Connection::execute(const std::string& sql, std::initializer_list<Param> params) {
  return execute_with(*this, sql, params, Prepare::keep);
}
uint64_t Connection::execute(const std::string& sql, const std::vector<Param>& params, Prepare prepare) {
  return execute_with(*this, sql, params, prepare);
}
Result Connection::query(const std::string& sql, std::initializer_list<Param> params) {
  return query_with(*this, sql, params);
}
Result Connection::query(const std::string& sql, const std::vector<Param>& params) {
  return query_with(*this, sql, params);
}

std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

void Connection::execute_ddl(const std::string& sql) {
  guarded("executing DDL", [&] {
    std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
    stmt->execute(sql);
  });
}

void Connection::run(const char* what, const char* sql) {
  guarded(what, [&] {
    std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
    stmt->execute(sql);
  });
}

void Connection::begin() {
  run("beginning a transaction", "START TRANSACTION");
  in_transaction_ = true;
}

void Connection::commit() {
  run("committing", "COMMIT");
  in_transaction_ = false;
}

void Connection::rollback() {
  in_transaction_ = false;
  run("rolling back", "ROLLBACK");
}

bool Connection::valid() {
  try {
    return conn_->isValid();
  } catch (const sql::SQLException&) {
    return false;
  }
}

// ---- Lease and Pool ----
Lease::~Lease() {
  if (!conn_) return;
  bool broken = broken_;
  // Ended by an error: the connection may be the cause (server gone); ping it before reuse.
  if (!broken && std::uncaught_exceptions() > uncaught_ && !conn_->valid()) broken = true;
  if (!broken && conn_->in_transaction()) {
    // A lease given back mid-transaction was abandoned by an exception: undo, never commit.
    try {
      conn_->rollback();
    } catch (...) {
      broken = true;
    }
  }
  pool_->release(std::move(conn_), broken);
}

Pool::Pool(Options options) : options_(std::move(options)) {}
Pool::~Pool() = default;

std::unique_ptr<Connection> Pool::open() {
  ensure_thread_init();
  return guarded("connecting to MariaDB at " + options_.host + ":" + std::to_string(options_.port), [&] {
    sql::ConnectOptionsMap o;
    o["hostName"] = sql::SQLString("tcp://" + options_.host + ":" + std::to_string(options_.port));
    o["userName"] = sql::SQLString(options_.user);
    o["password"] = sql::SQLString(options_.password);
    o["schema"] = sql::SQLString(options_.database);
    o["OPT_CONNECT_TIMEOUT"] = static_cast<int>(options_.connect_timeout.count());
    o["OPT_READ_TIMEOUT"] = static_cast<int>(options_.io_timeout.count());
    o["OPT_WRITE_TIMEOUT"] = static_cast<int>(options_.io_timeout.count());
    o["OPT_RECONNECT"] = false;  // a silent reconnect would lose session state mid-transaction
    o["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    std::unique_ptr<sql::Connection> c(driver()->connect(o));
    std::unique_ptr<sql::Statement> s(c->createStatement());
    s->execute("SET SESSION time_zone = '+00:00'");
    s->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    return std::make_unique<Connection>(std::move(c));
  });
}

Lease Pool::acquire(std::chrono::milliseconds wait) {
  ensure_thread_init();
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());  // the most recently used: warm, and lets the rest age out
      idle_.pop_back();
      if (std::chrono::steady_clock::now() - conn->last_used < std::chrono::seconds(5))
        return Lease(*this, std::move(conn));
      lock.unlock();
      bool alive = conn->valid();  // the server may have closed it while it sat idle
      if (alive) return Lease(*this, std::move(conn));
      conn.reset();
      lock.lock();
      --open_count_;
      continue;
    }
    if (open_count_ < options_.pool_size) {
      ++open_count_;
      lock.unlock();
      try {
        return Lease(*this, open());
      } catch (...) {
        lock.lock();
        --open_count_;
        available_.notify_one();
        throw;
      }
    }
    if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_count_ >= options_.pool_size)
      throw Error(ErrorSource::database, "no database connection free within " + std::to_string(wait.count()) + " ms",
                  0, true);
  }
}

void Pool::release(std::unique_ptr<Connection> conn, bool broken) {
  if (broken)
    conn.reset();  // closed outside the lock
  else
    conn->last_used = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (broken)
    --open_count_;
  else
    idle_.push_back(std::move(conn));
  available_.notify_one();
}

bool Pool::ping() {
  try {
    auto lease = acquire(std::chrono::seconds(1));
    auto r = lease->query("SELECT 1 AS one");
    return r.next() && r.i64("one") == 1;
  } catch (const std::exception&) {
    return false;
  }
}

bool is_duplicate_key(const std::exception& e) {
  auto* err = dynamic_cast<const Error*>(&e);
  return err && err->source() == ErrorSource::database && err->code() == kDuplicateEntry;
}

bool mark_processed(Connection& conn, const std::string& consumer, const std::string& event_id) {
  return conn.execute("INSERT IGNORE INTO processed_events (consumer, event_id) VALUES (?, ?)", {consumer, event_id}) ==
         1;
}

// Under Galera a transaction that lost certification to another node's (at COMMIT, or aborted by
// an applier) fails with ER_LOCK_DEADLOCK too: it is retried like a deadlock.
bool is_retryable_conflict(const std::exception& e) {
  auto* err = dynamic_cast<const Error*>(&e);
  return err && err->source() == ErrorSource::database && (err->code() == kDeadlock || err->code() == kLockWaitTimeout);
}

// ---- Migrations ----
std::vector<std::string> split_statements(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  enum class Mode { code, single, dbl, backtick, line_comment, block_comment } mode = Mode::code;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (mode) {
      case Mode::code:
        if (c == '\'')
          mode = Mode::single;
        else if (c == '"')
          mode = Mode::dbl;
        else if (c == '`')
          mode = Mode::backtick;
        else if (c == '#' || (c == '-' && next == '-' &&
                              (i + 2 >= text.size() || std::isspace(static_cast<unsigned char>(text[i + 2]))))) {
          mode = Mode::line_comment;
          continue;
        } else if (c == '/' && next == '*') {
          mode = Mode::block_comment;
          ++i;
          continue;
        } else if (c == ';') {
          auto first = current.find_first_not_of(" \t\r\n");
          if (first != std::string::npos)
            out.push_back(current.substr(first, current.find_last_not_of(" \t\r\n") - first + 1));
          current.clear();
          continue;
        }
        current += c;
        break;
      case Mode::single:
      case Mode::dbl:
      case Mode::backtick: {
        current += c;
        char quote = mode == Mode::single ? '\'' : mode == Mode::dbl ? '"' : '`';
        if (c == '\\' && mode != Mode::backtick && next != '\0') {
          current += next;
          ++i;
        } else if (c == quote) {
          mode = Mode::code;
        }
        break;
      }
      case Mode::line_comment:
        if (c == '\n') {
          mode = Mode::code;
          current += c;
        }
        break;
      case Mode::block_comment:
        if (c == '*' && next == '/') {
          mode = Mode::code;
          ++i;
          current += ' ';
        }
        break;
    }
  }
  auto first = current.find_first_not_of(" \t\r\n");
  if (first != std::string::npos) out.push_back(current.substr(first, current.find_last_not_of(" \t\r\n") - first + 1));
  return out;
}

std::vector<MigrationFile> list_migrations(const std::filesystem::path& dir) {
  static const std::regex pattern(R"((\d{4})_([a-z0-9_]+)\.sql)");
  if (!std::filesystem::is_directory(dir))
    throw Error(ErrorSource::config, "migrations folder '" + dir.string() + "' does not exist");
  std::vector<MigrationFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto name = entry.path().filename().string();
    if (!entry.is_regular_file() || !name.ends_with(".sql")) continue;
    std::smatch m;
    if (!std::regex_match(name, m, pattern))
      throw Error(ErrorSource::config, "migration '" + entry.path().string() + "' is not named NNNN_name.sql");
    files.push_back({std::stoi(m[1].str()), m[2].str(), entry.path()});
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  for (size_t i = 1; i < files.size(); ++i)
    if (files[i].version == files[i - 1].version)
      throw Error(ErrorSource::config,
                  "two migrations share version " + std::to_string(files[i].version) + " in '" + dir.string() + "'");
  return files;
}

namespace {
// One instance migrates at a time, across every database node: a lease, since GET_LOCK is
// node-local under Galera. It is renewed between statements and given up at the end, even by a
// failure; a migrating instance that dies leaves it to expire.
class MigrationLease {
 public:
  explicit MigrationLease(Connection& conn) : conn_(conn), lease_("migrate", std::chrono::seconds(60)) {
    ensure_leases_table(conn_);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!lease_.acquire(conn_)) {
      if (std::chrono::steady_clock::now() > deadline)
        throw Error(ErrorSource::database, "could not take the migration lease within 120 s", 0, true);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  MigrationLease(const MigrationLease&) = delete;
  MigrationLease& operator=(const MigrationLease&) = delete;
  ~MigrationLease() {
    try {
      lease_.release(conn_);
    } catch (const std::exception& e) {
      // It expires anyway; an error in hand is not replaced.
      log::warn("could not release the migration lease", {{"error", e.what()}});
    }
  }
  void keep() {
    if (!lease_.keep(conn_)) throw Error(ErrorSource::database, "lost the migration lease mid-way", 0, true);
  }

 private:
  Connection& conn_;
  LeaderLease lease_;
};
}  // namespace

int migrate(Pool& pool, const std::filesystem::path& dir) {
  auto files = list_migrations(dir);
  auto conn = pool.acquire();
  // One instance migrates at a time; the others wait, then find nothing left to do.
  MigrationLease lease(*conn);
  int applied = 0;
  conn->execute_ddl(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INT NOT NULL PRIMARY KEY,"
      " name VARCHAR(200) NOT NULL,"
      " checksum CHAR(64) NOT NULL,"
      " applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
  std::map<int, std::string> done;
  for (auto rows = conn->query("SELECT version, checksum FROM schema_migrations"); rows.next();)
    done[static_cast<int>(rows.i64("version"))] = rows.str("checksum");

  for (const auto& f : files) {
    const auto text = read_text_file(f.path);
    auto checksum = crypto::sha256_hex(text);
    if (auto it = done.find(f.version); it != done.end()) {
      if (it->second != checksum)
        throw Error(ErrorSource::config,
                    "migration " + f.path.string() + " was changed after it was applied; add a new migration instead");
      continue;
    }
    // MariaDB commits DDL implicitly, so a migration is recorded only after all of it ran.
    for (const auto& statement : split_statements(text)) {
      lease.keep();
      conn->execute_ddl(statement);
    }
    conn->execute("INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                  {f.version, f.name, checksum});
    log::info("migration applied", {{"version", f.version}, {"name", f.name}});
    ++applied;
  }
  return applied;
}

}  // namespace sdp::db
