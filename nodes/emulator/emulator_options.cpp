#include "emulator_options.hpp"

#include <charconv>
#include <functional>
#include <limits>

#include "word_list.hpp"

namespace sluice::emulator {

namespace {

constexpr double kMaxSeconds = 1e9;  // longest duration option (keeps clock arithmetic safe)

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

Result<std::int64_t> parse_integer(std::string_view flag, std::string_view text, std::int64_t min,
                                   std::int64_t max) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return invalid_argument(std::string(flag) + ": expected an integer from " +
                            std::to_string(min) + " to " + std::to_string(max) + ", got " +
                            quoted(text));
  }
  return value;
}

Result<std::uint64_t> parse_count(std::string_view flag, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return invalid_argument(std::string(flag) + ": expected a non-negative integer, got " +
                            quoted(text));
  }
  return value;
}

Result<double> parse_seconds(std::string_view flag, std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || !(value > 0) ||
      !(value <= kMaxSeconds)) {
    return invalid_argument(std::string(flag) + ": expected a number of seconds in (0, 1e9], got " +
                            quoted(text));
  }
  return value;
}

std::string format_seconds(double seconds) {
  std::string text = std::to_string(seconds);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

/// Parse state that lives across flags: whether a list still holds its default.
struct ListState {
  bool bots_replaced = false;
  bool scopes_replaced = false;
};

using Apply = std::function<Status(EmulatorOptions&, std::string_view value, ListState&)>;

struct Flag {
  std::string_view name;      // without the leading "--"
  std::string_view argument;  // "" for a boolean flag
  std::string_view help;
  std::function<std::string(const EmulatorOptions&)> default_text;  // null: no default shown
  Apply apply;
};

template <typename T>
Apply set_integer(T EmulatorOptions::*field, std::string_view flag, std::int64_t min,
                  std::int64_t max) {
  return [=](EmulatorOptions& o, std::string_view value, ListState&) -> Status {
    auto parsed = parse_integer(flag, value, min, max);
    if (!parsed) return parsed.status();
    o.*field = static_cast<T>(*parsed);
    return {};
  };
}

template <typename T>
Apply set_fault_integer(T Faults::*field, std::string_view flag, std::int64_t min,
                        std::int64_t max) {
  return [=](EmulatorOptions& o, std::string_view value, ListState&) -> Status {
    auto parsed = parse_integer(flag, value, min, max);
    if (!parsed) return parsed.status();
    o.faults.*field = static_cast<T>(*parsed);
    return {};
  };
}

Apply set_count(std::uint64_t EmulatorOptions::*field, std::string_view flag) {
  return [=](EmulatorOptions& o, std::string_view value, ListState&) -> Status {
    auto parsed = parse_count(flag, value);
    if (!parsed) return parsed.status();
    o.*field = *parsed;
    return {};
  };
}

Apply set_string(std::string EmulatorOptions::*field) {
  return [=](EmulatorOptions& o, std::string_view value, ListState&) -> Status {
    o.*field = std::string(value);
    return {};
  };
}

Apply set_true(bool EmulatorOptions::*field) {
  return [=](EmulatorOptions& o, std::string_view, ListState&) -> Status {
    o.*field = true;
    return {};
  };
}

Apply set_fault_bool(bool Faults::*field, bool value) {
  return [=](EmulatorOptions& o, std::string_view, ListState&) -> Status {
    o.faults.*field = value;
    return {};
  };
}

Apply set_fault_seconds(double Faults::*field, std::string_view flag) {
  return [=](EmulatorOptions& o, std::string_view value, ListState&) -> Status {
    auto parsed = parse_seconds(flag, value);
    if (!parsed) return parsed.status();
    o.faults.*field = *parsed;
    return {};
  };
}

constexpr std::int64_t kMaxInt = std::numeric_limits<int>::max();

const std::vector<Flag>& flags() {
  static const std::vector<Flag> kFlags = [] {
    std::vector<Flag> f;
    auto text = [](auto getter) {
      return std::function<std::string(const EmulatorOptions&)>(getter);
    };
    f.push_back({"host", "ADDR", "address to listen on",
                 text([](const EmulatorOptions& o) { return o.host; }),
                 set_string(&EmulatorOptions::host)});
    f.push_back({"port", "N", "port to listen on; 0 = any free port",
                 text([](const EmulatorOptions& o) { return std::to_string(o.port); }),
                 set_integer(&EmulatorOptions::port, "--port", 0, 65535)});
    f.push_back({"download-host", "ADDR",
                 "serve downloads on a second listener on ADDR (another origin)", nullptr,
                 set_string(&EmulatorOptions::download_host)});
    f.push_back({"download-port", "N", "port of the download listener; 0 = any free port",
                 text([](const EmulatorOptions& o) { return std::to_string(o.download_port); }),
                 set_integer(&EmulatorOptions::download_port, "--download-port", 0, 65535)});
    f.push_back({"rows", "N", "data rows in every export",
                 text([](const EmulatorOptions& o) { return std::to_string(o.rows); }),
                 set_count(&EmulatorOptions::rows, "--rows")});
    f.push_back({"seed", "N", "generator seed (same seed, same bytes)",
                 text([](const EmulatorOptions& o) { return std::to_string(o.seed); }),
                 set_count(&EmulatorOptions::seed, "--seed")});
    f.push_back({"crlf", "", "end the export's lines with CRLF", nullptr,
                 set_true(&EmulatorOptions::crlf)});
    f.push_back({"bom", "", "start the export with a UTF-8 byte order mark", nullptr,
                 set_true(&EmulatorOptions::bom)});
    f.push_back({"text-column", "NAME", "header name of the export's text column",
                 text([](const EmulatorOptions& o) { return o.text_column; }),
                 set_string(&EmulatorOptions::text_column)});
    f.push_back({"chunked", "", "send downloads chunked instead of with Content-Length", nullptr,
                 set_true(&EmulatorOptions::chunked_downloads)});
    f.push_back({"client-id", "ID", "the OAuth client id",
                 text([](const EmulatorOptions& o) { return o.client_id; }),
                 set_string(&EmulatorOptions::client_id)});
    f.push_back({"client-secret", "SECRET", "the OAuth client secret",
                 text([](const EmulatorOptions& o) { return o.client_secret; }),
                 set_string(&EmulatorOptions::client_secret)});
    f.push_back({"scope", "SCOPE", "a scope the client may have (repeatable)",
                 text([](const EmulatorOptions& o) { return join_words(o.client_scopes, " "); }),
                 [](EmulatorOptions& o, std::string_view value, ListState& state) -> Status {
                   if (!state.scopes_replaced) o.client_scopes.clear();
                   state.scopes_replaced = true;
                   for (auto& scope : split_words(value)) o.client_scopes.push_back(scope);
                   return {};
                 }});
    f.push_back({"bot-id", "ID", "a bot that exists (repeatable)",
                 text([](const EmulatorOptions& o) { return join_words(o.bot_ids, " "); }),
                 [](EmulatorOptions& o, std::string_view value, ListState& state) -> Status {
                   if (!state.bots_replaced) o.bot_ids.clear();
                   state.bots_replaced = true;
                   o.bot_ids.emplace_back(value);
                   return {};
                 }});
    f.push_back(
        {"import-limit", "BYTES", "413 for an import file part larger than this",
         text([](const EmulatorOptions& o) { return std::to_string(o.import_limit_bytes); }),
         set_count(&EmulatorOptions::import_limit_bytes, "--import-limit")});
    f.push_back({"import-keep-bytes", "BYTES", "bytes of each import file kept for inspection",
                 text([](const EmulatorOptions& o) { return std::to_string(o.import_keep_bytes); }),
                 set_count(&EmulatorOptions::import_keep_bytes, "--import-keep-bytes")});
    f.push_back({"idempotency-window", "S", "seconds an Idempotency-Key is remembered",
                 text([](const EmulatorOptions& o) {
                   return format_seconds(o.idempotency_window_seconds);
                 }),
                 [](EmulatorOptions& o, std::string_view value, ListState&) -> Status {
                   auto parsed = parse_seconds("--idempotency-window", value);
                   if (!parsed) return parsed.status();
                   o.idempotency_window_seconds = *parsed;
                   return {};
                 }});
    f.push_back({"threads", "N", "worker threads per listener",
                 text([](const EmulatorOptions& o) { return std::to_string(o.threads); }),
                 set_integer(&EmulatorOptions::threads, "--threads", 1, 256)});
    f.push_back(
        {"keep-alive", "S", "close idle keep-alive connections after S seconds",
         text([](const EmulatorOptions& o) { return std::to_string(o.keep_alive_seconds); }),
         set_integer(&EmulatorOptions::keep_alive_seconds, "--keep-alive", 0, 3600)});
    f.push_back({"rate-limit-every", "N", "fault: answer 429 to every Nth request", nullptr,
                 set_fault_integer(&Faults::rate_limit_every, "--rate-limit-every", 0, kMaxInt)});
    f.push_back({"retry-after", "S", "Retry-After seconds sent with injected 429s",
                 text([](const EmulatorOptions& o) {
                   return std::to_string(o.faults.retry_after_seconds);
                 }),
                 set_fault_integer(&Faults::retry_after_seconds, "--retry-after", 0, 86400)});
    f.push_back(
        {"server-error-every", "N", "fault: answer a 5xx to every Nth request", nullptr,
         set_fault_integer(&Faults::server_error_every, "--server-error-every", 0, kMaxInt)});
    f.push_back(
        {"server-error-status", "N", "the status of injected server errors",
         text(
             [](const EmulatorOptions& o) { return std::to_string(o.faults.server_error_status); }),
         set_fault_integer(&Faults::server_error_status, "--server-error-status", 500, 599)});
    f.push_back({"fault-path", "PREFIX", "only paths starting with PREFIX count and fail", nullptr,
                 [](EmulatorOptions& o, std::string_view value, ListState&) -> Status {
                   o.faults.fault_path_prefix = std::string(value);
                   return {};
                 }});
    f.push_back({"slow-ms", "N", "fault: wait N ms before answering each request", nullptr,
                 set_fault_integer(&Faults::slow_response_ms, "--slow-ms", 0, 600000)});
    f.push_back({"token-lifetime", "S", "seconds an access token lives",
                 text([](const EmulatorOptions& o) {
                   return format_seconds(o.faults.token_lifetime_seconds);
                 }),
                 set_fault_seconds(&Faults::token_lifetime_seconds, "--token-lifetime")});
    f.push_back({"url-lifetime", "S", "seconds a signed download URL lives",
                 text([](const EmulatorOptions& o) {
                   return format_seconds(o.faults.download_url_lifetime_seconds);
                 }),
                 set_fault_seconds(&Faults::download_url_lifetime_seconds, "--url-lifetime")});
    f.push_back(
        {"polls-before-ready", "N", "status polls answered pending/running first",
         text([](const EmulatorOptions& o) { return std::to_string(o.faults.polls_before_ready); }),
         set_fault_integer(&Faults::polls_before_ready, "--polls-before-ready", 0, kMaxInt)});
    f.push_back({"fail-export", "", "fault: exports end \"failed\"", nullptr,
                 set_fault_bool(&Faults::fail_export, true)});
    f.push_back({"never-complete", "", "fault: exports stay \"running\"", nullptr,
                 set_fault_bool(&Faults::never_complete, true)});
    f.push_back({"drop-after-bytes", "N",
                 "fault: cut downloads at export offsets N, 2N, ... (each once per export)",
                 nullptr, [](EmulatorOptions& o, std::string_view value, ListState&) -> Status {
                   auto parsed = parse_count("--drop-after-bytes", value);
                   if (!parsed) return parsed.status();
                   o.faults.drop_download_after_bytes = *parsed;
                   return {};
                 }});
    f.push_back({"drop-times", "N", "at most N cuts per export; 0 = no limit", nullptr,
                 set_fault_integer(&Faults::drop_download_times, "--drop-times", 0, kMaxInt)});
    f.push_back({"no-ranges", "", "fault: no Accept-Ranges; Range headers are ignored", nullptr,
                 set_fault_bool(&Faults::accept_ranges, false)});
    f.push_back({"deny-scope", "SCOPE", "fault: leave SCOPE out of every token (repeatable)",
                 nullptr, [](EmulatorOptions& o, std::string_view value, ListState&) -> Status {
                   for (auto& scope : split_words(value)) o.faults.denied_scopes.push_back(scope);
                   return {};
                 }});
    return f;
  }();
  return kFlags;
}

Status check_scope_list(std::string_view name, const std::vector<std::string>& scopes) {
  for (const auto& scope : scopes) {
    if (scope.empty() || scope.find_first_of(" \t\r\n\"\\") != std::string::npos) {
      return invalid_argument(std::string(name) + ": invalid scope " + quoted(scope));
    }
  }
  return {};
}

/// Durations must be positive and at most kMaxSeconds (so that clock arithmetic cannot overflow).
Status check_seconds(std::string_view name, double seconds) {
  if (!(seconds > 0) || !(seconds <= kMaxSeconds)) {
    return invalid_argument(std::string(name) + ": must be a number of seconds in (0, 1e9]");
  }
  return {};
}

}  // namespace

nodes::UtteranceGeneratorOptions export_generator_options(const EmulatorOptions& options) {
  nodes::UtteranceGeneratorOptions generator;
  generator.rows = options.rows;
  generator.seed = options.seed;
  generator.crlf = options.crlf;
  generator.bom = options.bom;
  generator.text_column = options.text_column;
  return generator;
}

Status validate_emulator_options(const EmulatorOptions& o) {
  const Faults& f = o.faults;
  if (o.host.empty()) return invalid_argument("host: must not be empty");
  if (o.port < 0 || o.port > 65535) return invalid_argument("port: must be 0..65535");
  if (o.download_port < 0 || o.download_port > 65535) {
    return invalid_argument("download_port: must be 0..65535");
  }
  if (o.text_column.empty()) return invalid_argument("text_column: must not be empty");
  if (o.client_id.empty()) return invalid_argument("client_id: must not be empty");
  if (o.client_secret.empty()) return invalid_argument("client_secret: must not be empty");
  if (o.client_scopes.empty()) return invalid_argument("client_scopes: must not be empty");
  if (auto s = check_scope_list("client_scopes", o.client_scopes); !s.ok()) return s;
  if (auto s = check_scope_list("denied_scopes", f.denied_scopes); !s.ok()) return s;
  if (o.bot_ids.empty()) return invalid_argument("bot_ids: must not be empty");
  for (const auto& bot : o.bot_ids) {
    if (bot.empty() || bot.find('/') != std::string::npos) {
      return invalid_argument("bot_ids: invalid bot id " + quoted(bot));
    }
  }
  if (o.import_limit_bytes == 0) return invalid_argument("import_limit_bytes: must be > 0");
  if (auto s = check_seconds("idempotency_window_seconds", o.idempotency_window_seconds); !s.ok()) {
    return s;
  }
  if (o.threads < 1 || o.threads > 256) return invalid_argument("threads: must be 1..256");
  if (o.keep_alive_seconds < 0) return invalid_argument("keep_alive_seconds: must be >= 0");
  if (f.rate_limit_every < 0) return invalid_argument("rate_limit_every: must be >= 0");
  if (f.retry_after_seconds < 0) return invalid_argument("retry_after_seconds: must be >= 0");
  if (f.server_error_every < 0) return invalid_argument("server_error_every: must be >= 0");
  if (f.server_error_status < 500 || f.server_error_status > 599) {
    return invalid_argument("server_error_status: must be 500..599");
  }
  if (f.slow_response_ms < 0) return invalid_argument("slow_response_ms: must be >= 0");
  if (auto s = check_seconds("token_lifetime_seconds", f.token_lifetime_seconds); !s.ok()) return s;
  if (auto s = check_seconds("download_url_lifetime_seconds", f.download_url_lifetime_seconds);
      !s.ok()) {
    return s;
  }
  if (f.polls_before_ready < 0) return invalid_argument("polls_before_ready: must be >= 0");
  if (f.drop_download_times < 0) return invalid_argument("drop_download_times: must be >= 0");
  if (f.fail_export && f.never_complete) {
    return invalid_argument("fail_export and never_complete: choose one");
  }
  return {};
}

Result<EmulatorOptions> parse_emulator_args(std::span<const std::string> args) {
  EmulatorOptions options;
  ListState lists;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return invalid_argument("unexpected argument " + quoted(arg) + " (see --help)");
    }
    const std::size_t eq = arg.find('=');
    const std::string_view name = arg.substr(2, eq == std::string_view::npos ? arg.npos : eq - 2);
    const Flag* flag = nullptr;
    for (const auto& candidate : flags()) {
      if (candidate.name == name) flag = &candidate;
    }
    if (flag == nullptr) {
      return invalid_argument("unknown flag --" + std::string(name) + " (see --help)");
    }
    std::string_view value;
    if (flag->argument.empty()) {
      if (eq != std::string_view::npos) {
        return invalid_argument("--" + std::string(name) + " takes no value");
      }
    } else if (eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return invalid_argument("--" + std::string(name) + " needs a value (" +
                              std::string(flag->argument) + ")");
    }
    if (auto status = flag->apply(options, value, lists); !status.ok()) return status;
  }
  if (auto status = validate_emulator_options(options); !status.ok()) return status;
  return options;
}

std::string emulator_help() {
  const EmulatorOptions defaults;
  std::string out =
      "Serves the platform API (token endpoint, utterance export and import) on loopback, with\n"
      "injectable faults, so that sluice can be tried without a tenant.\n\nFlags:\n";
  for (const auto& flag : flags()) {
    std::string left = "  --" + std::string(flag.name);
    if (!flag.argument.empty()) left += " " + std::string(flag.argument);
    if (left.size() < 30)
      left.resize(30, ' ');
    else
      left += "  ";
    out += left;
    out += flag.help;
    if (flag.default_text) out += " (default: " + flag.default_text(defaults) + ")";
    out += '\n';
  }
  return out;
}

}  // namespace sluice::emulator
