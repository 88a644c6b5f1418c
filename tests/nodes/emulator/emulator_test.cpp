#include "emulator/emulator.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "emulator/crypto.hpp"
#include "support/utterance_generator.hpp"

using sluice::StatusCode;
using sluice::emulator::Emulator;
using sluice::emulator::EmulatorOptions;
using sluice::emulator::sha256_hex;

// Every test talks to its own emulator on 127.0.0.1 through plain cpp-httplib clients. Clients are
// declared after the emulator so that they close their connections before it stops.

namespace {

constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kExportsPath = "/api/v2/bots/demo-bot/exports";
constexpr const char* kImportsPath = "/api/v2/bots/demo-bot/imports";

EmulatorOptions small_options() {
  EmulatorOptions options;
  options.rows = 300;
  options.seed = 7;
  options.threads = 4;
  return options;
}

std::unique_ptr<Emulator> start(const EmulatorOptions& options = small_options()) {
  auto started = Emulator::start(options);
  REQUIRE_MESSAGE(started.ok(), started.status().message());
  return std::move(started).value();
}

std::unique_ptr<httplib::Client> client_for(const std::string& origin) {
  auto client = std::make_unique<httplib::Client>(origin);
  client->set_connection_timeout(5);
  client->set_read_timeout(10);
  return client;
}

std::string expected_export(const EmulatorOptions& options) {
  return sluice::nodes::generate_utterance_export(
      sluice::emulator::export_generator_options(options));
}

std::optional<std::string> json_string(const std::string& body, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(body).get(document) != simdjson::SUCCESS) return std::nullopt;
  std::string_view value;
  if (document[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return std::string(value);
}

std::optional<std::int64_t> json_int(const std::string& body, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (parser.parse(body).get(document) != simdjson::SUCCESS) return std::nullopt;
  std::int64_t value = 0;
  if (document[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

std::string error_of(const httplib::Result& result) {
  return result ? json_string(result->body, "error").value_or("<none>") : "<no response>";
}

/// Percent-encodes everything but unreserved characters (form values, RFC 3986).
std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

std::string token_form(const EmulatorOptions& options, const std::string& scope = "") {
  std::string form = "grant_type=client_credentials&client_id=" + form_encode(options.client_id) +
                     "&client_secret=" + form_encode(options.client_secret);
  if (!scope.empty()) form += "&scope=" + form_encode(scope);
  return form;
}

std::string get_token(httplib::Client& client, const EmulatorOptions& options,
                      const std::string& scope = "") {
  auto result = client.Post("/oauth/token", token_form(options, scope), kForm);
  REQUIRE(result);
  REQUIRE_MESSAGE(result->status == 200, result->body);
  return json_string(result->body, "access_token").value();
}

httplib::Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

std::string create_export(httplib::Client& client, const std::string& token) {
  auto result = client.Post(kExportsPath, bearer(token), R"({"name":"nightly","format":"csv"})",
                            "application/json");
  REQUIRE(result);
  REQUIRE_MESSAGE(result->status == 201, result->body);
  return json_string(result->body, "id").value();
}

std::string poll(httplib::Client& client, const std::string& token, const std::string& id,
                 std::string* status = nullptr) {
  auto result = client.Get(std::string(kExportsPath) + "/" + id, bearer(token));
  REQUIRE(result);
  REQUIRE_MESSAGE(result->status == 200, result->body);
  if (status != nullptr) *status = json_string(result->body, "status").value_or("");
  return result->body;
}

/// Creates an export and polls it until it has a download URL.
std::string ready_download_url(httplib::Client& client, const std::string& token) {
  const std::string id = create_export(client, token);
  for (int i = 0; i < 50; ++i) {
    std::string status;
    const std::string body = poll(client, token, id, &status);
    if (status == "completed") return json_string(body, "downloadUrl").value();
    REQUIRE(status != "failed");
  }
  FAIL("the export never completed");
  return {};
}

/// Splits an absolute http URL into origin and path-with-query.
std::pair<std::string, std::string> split_url(const std::string& url) {
  const std::size_t path = url.find('/', url.find("://") + 3);
  return {url.substr(0, path), url.substr(path)};
}

struct Download {
  httplib::Error error = httplib::Error::Success;
  int status = 0;
  httplib::Headers headers;
  std::string body;
};

/// GETs `url` collecting whatever body arrives, also when the connection breaks off.
Download download(const std::string& url, const httplib::Headers& headers = {}) {
  const auto [origin, path] = split_url(url);
  auto client = client_for(origin);
  Download out;
  auto result = client->Get(
      path, headers,
      [&](const httplib::Response& response) {
        out.status = response.status;
        out.headers = response.headers;
        return true;
      },
      [&](const char* data, std::size_t size) {
        out.body.append(data, size);
        return true;
      });
  out.error = result.error();
  if (result) {
    out.status = result->status;
    out.headers = result->headers;
    if (out.body.empty()) out.body = result->body;
  }
  return out;
}

/// Waits up to two seconds for `condition`: the server updates some counters after the client
/// already has the whole answer.
template <typename Condition>
bool eventually(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string header(const Download& d, const char* name) {
  const auto it = d.headers.find(name);
  return it == d.headers.end() ? "" : it->second;
}

httplib::MultipartFormDataItems import_items(
    const std::string& csv, const std::string& name = "enriched_ner_v1_20240101_120000") {
  return {{"name", name, "", ""},
          {"description", "Automated NER enrichment batch v1", "", ""},
          {"file", csv, "enriched_utterances.csv", "text/csv"}};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Lifecycle

TEST_CASE("emulator: starts on a free loopback port, answers, and stops idempotently") {
  auto emulator = start();
  CHECK(emulator->port() > 0);
  CHECK(emulator->base_url() == "http://127.0.0.1:" + std::to_string(emulator->port()));
  CHECK(emulator->download_base_url() == emulator->base_url());
  {
    auto client = client_for(emulator->base_url());
    auto result = client->Post("/oauth/token", token_form(emulator->options()), kForm);
    REQUIRE(result);
    CHECK(result->status == 200);
  }
  emulator->stop();
  emulator->stop();
  auto client = client_for(emulator->base_url());
  client->set_connection_timeout(1);
  CHECK_FALSE(client->Get("/"));
}

TEST_CASE("emulator: start reports bad options and a port in use") {
  EmulatorOptions bad = small_options();
  bad.bot_ids.clear();
  auto refused = Emulator::start(bad);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::invalid_argument);

  auto first = start();
  EmulatorOptions same_port = small_options();
  same_port.port = first->port();
  auto busy = Emulator::start(same_port);
  REQUIRE_FALSE(busy.ok());
  CHECK(busy.status().code() == StatusCode::io_error);
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

TEST_CASE("emulator: token endpoint: form credentials, both paths, the default scopes") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  for (const char* path : {"/oauth/token", "/api/v1/oauth/token"}) {
    CAPTURE(path);
    auto result = client->Post(path, token_form(emulator->options()), kForm);
    REQUIRE(result);
    CHECK(result->status == 200);
    CHECK(json_string(result->body, "token_type") == "Bearer");
    CHECK(json_int(result->body, "expires_in") == 3600);
    CHECK(json_string(result->body, "scope") == "bot:export:read bot:import:write");
    CHECK(json_string(result->body, "access_token").value_or("").size() == 64);
    CHECK(result->get_header_value("Cache-Control") == "no-store");
  }
  CHECK(emulator->stats().tokens_issued == 2);
}

TEST_CASE("emulator: token endpoint: values are URL-decoded, '+' is a space, HTTP Basic works") {
  EmulatorOptions options = small_options();
  options.client_id = "team a/b";
  options.client_secret = "p@ss w+rd&=%;é";
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());

  auto encoded = client->Post("/oauth/token", token_form(options), kForm);
  REQUIRE(encoded);
  CHECK(encoded->status == 200);

  const std::string plus_form =
      "grant_type=client_credentials&client_id=team+a%2Fb&client_secret=" +
      form_encode(options.client_secret);
  auto plus = client->Post("/oauth/token", plus_form, kForm);
  REQUIRE(plus);
  CHECK(plus->status == 200);

  // RFC 6749 §2.3.1: form-encode, then Basic.
  httplib::Client basic_client(emulator->base_url());
  basic_client.set_basic_auth(form_encode(options.client_id), form_encode(options.client_secret));
  auto basic = basic_client.Post("/oauth/token", "grant_type=client_credentials", kForm);
  REQUIRE(basic);
  CHECK(basic->status == 200);

  // Many clients skip the form-encoding; the raw values are accepted too.
  httplib::Client raw_client(emulator->base_url());
  raw_client.set_basic_auth(options.client_id, options.client_secret);
  auto raw = raw_client.Post("/oauth/token", "grant_type=client_credentials", kForm);
  REQUIRE(raw);
  CHECK(raw->status == 200);
}

TEST_CASE("emulator: token endpoint: errors") {
  auto emulator = start();
  const EmulatorOptions& options = emulator->options();
  auto client = client_for(emulator->base_url());
  auto post = [&](const std::string& body, const char* type = kForm) {
    return client->Post("/oauth/token", body, type);
  };

  auto wrong_secret =
      post("grant_type=client_credentials&client_id=sluice-demo&client_secret=nope");
  REQUIRE(wrong_secret);
  CHECK(wrong_secret->status == 401);
  CHECK(error_of(wrong_secret) == "invalid_client");
  CHECK(wrong_secret->body.find("nope") == std::string::npos);

  auto no_credentials = post("grant_type=client_credentials");
  REQUIRE(no_credentials);
  CHECK(no_credentials->status == 401);
  CHECK(error_of(no_credentials) == "invalid_client");

  httplib::Client basic_client(emulator->base_url());
  basic_client.set_basic_auth("sluice-demo", "wrong");
  auto bad_basic = basic_client.Post("/oauth/token", "grant_type=client_credentials", kForm);
  REQUIRE(bad_basic);
  CHECK(bad_basic->status == 401);
  CHECK(bad_basic->get_header_value("WWW-Authenticate").rfind("Basic", 0) == 0);

  basic_client.set_basic_auth("sluice-demo", "sluice-demo-secret");
  auto two_methods = basic_client.Post("/oauth/token", token_form(options), kForm);
  REQUIRE(two_methods);
  CHECK(two_methods->status == 400);

  auto grant = post("grant_type=password&client_id=sluice-demo&client_secret=sluice-demo-secret");
  REQUIRE(grant);
  CHECK(grant->status == 400);
  CHECK(error_of(grant) == "unsupported_grant_type");

  auto no_grant = post("client_id=sluice-demo&client_secret=sluice-demo-secret");
  REQUIRE(no_grant);
  CHECK(no_grant->status == 400);
  CHECK(error_of(no_grant) == "invalid_request");

  auto scope = post(token_form(options, "bot:export:read cognigy:dataset:write"));
  REQUIRE(scope);
  CHECK(scope->status == 400);
  CHECK(error_of(scope) == "invalid_scope");

  auto not_form = post(R"({"grant_type":"client_credentials"})", "application/json");
  REQUIRE(not_form);
  CHECK(not_form->status == 400);

  auto bad_escape = post("grant_type=client_credentials&client_id=sluice-demo&client_secret=%zz");
  REQUIRE(bad_escape);
  CHECK(bad_escape->status == 400);

  auto repeated = post(token_form(options) + "&client_id=other");
  REQUIRE(repeated);
  CHECK(repeated->status == 400);

  CHECK(emulator->stats().invalid_client == 3);
  CHECK(emulator->stats().tokens_issued == 0);
}

TEST_CASE("emulator: token endpoint: a narrower scope gives a token that gets 403 elsewhere") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  auto result =
      client->Post("/oauth/token", token_form(emulator->options(), "bot:export:read"), kForm);
  REQUIRE(result);
  REQUIRE(result->status == 200);
  CHECK(json_string(result->body, "scope") == "bot:export:read");
  const std::string token = json_string(result->body, "access_token").value();
  create_export(*client, token);
  auto import = client->Post(kImportsPath, bearer(token), import_items("a\n1\n"));
  REQUIRE(import);
  CHECK(import->status == 403);
  CHECK(error_of(import) == "insufficient_scope");
  CHECK(json_string(import->body, "required") == "bot:import:write");
  CHECK(emulator->stats().forbidden == 1);
}

// ---------------------------------------------------------------------------------------------
// Bearer tokens, scopes and the order of checks

TEST_CASE("emulator: API calls: missing, unknown and expired tokens get 401") {
  EmulatorOptions options = small_options();
  options.faults.token_lifetime_seconds = 0.5;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string body = R"({"name":"x","format":"csv"})";

  auto missing = client->Post(kExportsPath, body, "application/json");
  REQUIRE(missing);
  CHECK(missing->status == 401);
  CHECK(error_of(missing) == "invalid_token");
  CHECK(missing->get_header_value("WWW-Authenticate").rfind("Bearer", 0) == 0);

  auto unknown = client->Post(kExportsPath, bearer("not-a-token"), body, "application/json");
  REQUIRE(unknown);
  CHECK(unknown->status == 401);

  auto token_response = client->Post("/oauth/token", token_form(options), kForm);
  REQUIRE(token_response);
  CHECK(json_int(token_response->body, "expires_in") == 0);  // whole seconds, rounded down
  const std::string token = json_string(token_response->body, "access_token").value();
  create_export(*client, token);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto expired = client->Post(kExportsPath, bearer(token), body, "application/json");
  REQUIRE(expired);
  CHECK(expired->status == 401);
  CHECK(json_string(expired->body, "message").value_or("").find("expired") != std::string::npos);
  CHECK(emulator->stats().unauthorized == 3);
}

TEST_CASE("emulator: denied scopes are left out of tokens: 403 insufficient_scope") {
  EmulatorOptions options = small_options();
  options.faults.denied_scopes = {"bot:export:read"};
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  auto result = client->Post("/oauth/token", token_form(options), kForm);
  REQUIRE(result);
  CHECK(json_string(result->body, "scope") == "bot:import:write");
  const std::string token = json_string(result->body, "access_token").value();
  auto denied = client->Post(kExportsPath, bearer(token), R"({"name":"x","format":"csv"})",
                             "application/json");
  REQUIRE(denied);
  CHECK(denied->status == 403);
  CHECK(json_string(denied->body, "required") == "bot:export:read");
}

TEST_CASE("emulator: precedence: faults, route, token, scope, body") {
  SUBCASE("a fault comes before the route and the token") {
    EmulatorOptions options = small_options();
    options.faults.rate_limit_every = 1;
    auto emulator = start(options);
    auto client = client_for(emulator->base_url());
    auto unknown_route = client->Get("/no/such/route");
    REQUIRE(unknown_route);
    CHECK(unknown_route->status == 429);
    auto no_token = client->Post(kExportsPath, "{", "application/json");
    REQUIRE(no_token);
    CHECK(no_token->status == 429);
  }
  SUBCASE("route (404, 405) comes before the token") {
    auto emulator = start();
    auto client = client_for(emulator->base_url());
    auto unknown = client->Get("/api/v2/bots/demo-bot/nothing");
    REQUIRE(unknown);
    CHECK(unknown->status == 404);
    CHECK(error_of(unknown) == "not_found");
    auto wrong_method = client->Get(kExportsPath);
    REQUIRE(wrong_method);
    CHECK(wrong_method->status == 405);
    CHECK(wrong_method->get_header_value("Allow") == "POST");
    auto wrong_method_2 = client->Delete(std::string(kExportsPath) + "/exp_1");
    REQUIRE(wrong_method_2);
    CHECK(wrong_method_2->status == 405);
    CHECK(wrong_method_2->get_header_value("Allow") == "GET, HEAD");
  }
  SUBCASE("token (401) comes before scope and body; scope (403) before body") {
    auto emulator = start();
    auto client = client_for(emulator->base_url());
    auto no_token = client->Post(kExportsPath, "{not json", "application/json");
    REQUIRE(no_token);
    CHECK(no_token->status == 401);
    const std::string import_only = get_token(*client, emulator->options(), "bot:import:write");
    auto no_scope =
        client->Post(kExportsPath, bearer(import_only), "{not json", "application/json");
    REQUIRE(no_scope);
    CHECK(no_scope->status == 403);
    const std::string token = get_token(*client, emulator->options());
    auto bad_body = client->Post(kExportsPath, bearer(token), "{not json", "application/json");
    REQUIRE(bad_body);
    CHECK(bad_body->status == 400);
    CHECK(error_of(bad_body) == "invalid_json");
  }
}

// ---------------------------------------------------------------------------------------------
// Exports

TEST_CASE("emulator: export creation: 201 pending, and its errors") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, emulator->options());

  auto created = client->Post(kExportsPath, bearer(token),
                              R"({"name":"n","format":"csv","extra":1})", "application/json");
  REQUIRE(created);
  CHECK(created->status == 201);
  CHECK(json_string(created->body, "status") == "pending");
  const std::string id = json_string(created->body, "id").value_or("");
  CHECK(created->get_header_value("Location") == std::string(kExportsPath) + "/" + id);

  auto unknown_bot = client->Post("/api/v2/bots/other-bot/exports", bearer(token),
                                  R"({"name":"n","format":"csv"})", "application/json");
  REQUIRE(unknown_bot);
  CHECK(unknown_bot->status == 404);
  CHECK(error_of(unknown_bot) == "not_found");

  for (const char* body :
       {R"({"name":"n","format":"json"})", R"({"name":"n"})", R"({"format":"csv"})",
        R"({"name":"","format":"csv"})", R"({"name":3,"format":"csv"})", R"(["name","format"])"}) {
    CAPTURE(body);
    auto bad = client->Post(kExportsPath, bearer(token), body, "application/json");
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(error_of(bad) == "invalid_request");
  }
  CHECK(emulator->stats().exports_created == 1);
}

TEST_CASE("emulator: export status: pending, running, then completed with an absolute signed URL") {
  EmulatorOptions options = small_options();
  options.faults.polls_before_ready = 2;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  const std::string id = create_export(*client, token);

  std::string status;
  poll(*client, token, id, &status);
  CHECK(status == "pending");
  poll(*client, token, id, &status);
  CHECK(status == "running");
  const std::string body = poll(*client, token, id, &status);
  CHECK(status == "completed");
  CHECK(json_string(body, "id") == id);
  const std::string url = json_string(body, "downloadUrl").value_or("");
  CHECK(url.rfind(emulator->base_url() + "/downloads/" + id + "?expires=", 0) == 0);
  CHECK(url.find("&sig=") != std::string::npos);
  poll(*client, token, id, &status);
  CHECK(status == "completed");

  auto unknown = client->Get(std::string(kExportsPath) + "/exp_unknown", bearer(token));
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(emulator->stats().export_polls == 4);
}

TEST_CASE("emulator: export of another bot is not found") {
  EmulatorOptions options = small_options();
  options.bot_ids = {"bot-a", "bot-b"};
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  auto created = client->Post("/api/v2/bots/bot-a/exports", bearer(token),
                              R"({"name":"n","format":"csv"})", "application/json");
  REQUIRE(created);
  const std::string id = json_string(created->body, "id").value();
  auto other = client->Get("/api/v2/bots/bot-b/exports/" + id, bearer(token));
  REQUIRE(other);
  CHECK(other->status == 404);
  auto own = client->Get("/api/v2/bots/bot-a/exports/" + id, bearer(token));
  REQUIRE(own);
  CHECK(own->status == 200);
}

TEST_CASE("emulator: faults: fail_export and never_complete") {
  SUBCASE("failed") {
    EmulatorOptions options = small_options();
    options.faults.fail_export = true;
    options.faults.polls_before_ready = 1;
    auto emulator = start(options);
    auto client = client_for(emulator->base_url());
    const std::string token = get_token(*client, options);
    const std::string id = create_export(*client, token);
    std::string status;
    poll(*client, token, id, &status);
    CHECK(status == "pending");
    const std::string body = poll(*client, token, id, &status);
    CHECK(status == "failed");
    CHECK_FALSE(json_string(body, "error").value_or("").empty());
    CHECK_FALSE(json_string(body, "downloadUrl").has_value());
  }
  SUBCASE("never complete") {
    EmulatorOptions options = small_options();
    options.faults.never_complete = true;
    auto emulator = start(options);
    auto client = client_for(emulator->base_url());
    const std::string token = get_token(*client, options);
    const std::string id = create_export(*client, token);
    std::string status;
    for (int i = 0; i < 5; ++i) poll(*client, token, id, &status);
    CHECK(status == "running");
  }
}

// ---------------------------------------------------------------------------------------------
// Downloads

TEST_CASE("emulator: download: byte-identical to generate_utterance_export, with Content-Length") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, emulator->options());
  const std::string url = ready_download_url(*client, token);
  const Download full = download(url);
  CHECK(full.error == httplib::Error::Success);
  CHECK(full.status == 200);
  const std::string expected = expected_export(emulator->options());
  CHECK(full.body.size() == expected.size());
  CHECK(full.body == expected);
  CHECK(header(full, "Content-Length") == std::to_string(expected.size()));
  CHECK(header(full, "Content-Type").rfind("text/csv", 0) == 0);
  CHECK(header(full, "Accept-Ranges") == "bytes");
  CHECK(header(full, "Content-Encoding").empty());
  CHECK(eventually([&] { return emulator->stats().downloads_completed == 1; }));
  const auto stats = emulator->stats();
  CHECK(stats.downloads == 1);
  CHECK(stats.bytes_downloaded == expected.size());
}

TEST_CASE("emulator: download: the generator's options (CRLF, BOM, text column) and zero rows") {
  EmulatorOptions options = small_options();
  options.crlf = true;
  options.bom = true;
  options.text_column = "text";
  SUBCASE("some rows") { options.rows = 50; }
  SUBCASE("no rows: the header only") { options.rows = 0; }
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  const Download full = download(ready_download_url(*client, token));
  CHECK(full.status == 200);
  CHECK(full.body == expected_export(options));
  CHECK(full.body.rfind("\xEF\xBB\xBFid,text,", 0) == 0);
}

TEST_CASE("emulator: download: Range resume gives 206 and the same bytes as a full download") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, emulator->options());
  const std::string url = ready_download_url(*client, token);
  const std::string expected = expected_export(emulator->options());
  const std::size_t total = expected.size();

  for (std::size_t from : {std::size_t{0}, std::size_t{1}, std::size_t{12345}, total - 1}) {
    CAPTURE(from);
    const Download part = download(url, {{"Range", "bytes=" + std::to_string(from) + "-"}});
    CHECK(part.status == 206);
    CHECK(header(part, "Content-Range") == "bytes " + std::to_string(from) + "-" +
                                               std::to_string(total - 1) + "/" +
                                               std::to_string(total));
    CHECK(header(part, "Content-Length") == std::to_string(total - from));
    CHECK(expected.substr(0, from) + part.body == expected);
  }
  const Download middle = download(url, {{"Range", "bytes=100-199"}});
  CHECK(middle.status == 206);
  CHECK(middle.body == expected.substr(100, 100));
  const Download suffix = download(url, {{"Range", "bytes=-10"}});
  CHECK(suffix.status == 206);
  CHECK(suffix.body == expected.substr(total - 10));

  const Download past_end = download(url, {{"Range", "bytes=" + std::to_string(total) + "-"}});
  CHECK(past_end.status == 416);
  CHECK(header(past_end, "Content-Range") == "bytes */" + std::to_string(total));
  CHECK(json_string(past_end.body, "error") == "range_not_satisfiable");

  const Download several = download(url, {{"Range", "bytes=0-1,5-6"}});
  CHECK(several.status == 200);  // several ranges are not served: the whole body
  CHECK(several.body == expected);

  const Download other_copy = download(url, {{"Range", "bytes=10-"}, {"If-Range", "\"other\""}});
  CHECK(other_copy.status == 200);
  CHECK(other_copy.body == expected);
  const Download same_copy =
      download(url, {{"Range", "bytes=10-"}, {"If-Range", header(several, "ETag")}});
  CHECK(same_copy.status == 206);
  CHECK(emulator->stats().range_downloads == 7);
}

TEST_CASE("emulator: download: --no-ranges sends no Accept-Ranges and ignores Range") {
  EmulatorOptions options = small_options();
  options.faults.accept_ranges = false;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  const Download d = download(ready_download_url(*client, token), {{"Range", "bytes=100-"}});
  CHECK(d.status == 200);
  CHECK(header(d, "Accept-Ranges").empty());
  CHECK(header(d, "Content-Range").empty());
  CHECK(d.body == expected_export(options));
}

TEST_CASE("emulator: download: chunked transfer, also for ranges") {
  EmulatorOptions options = small_options();
  options.chunked_downloads = true;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  const std::string url = ready_download_url(*client, token);
  const std::string expected = expected_export(options);
  const Download full = download(url, {{"Accept-Encoding", "gzip, deflate"}});
  CHECK(full.status == 200);
  CHECK(header(full, "Transfer-Encoding") == "chunked");
  CHECK(header(full, "Content-Length").empty());
  CHECK(header(full, "Content-Encoding").empty());
  CHECK(full.body == expected);
  const Download part = download(url, {{"Range", "bytes=500-"}});
  CHECK(part.status == 206);
  CHECK(part.body == expected.substr(500));
}

TEST_CASE("emulator: download: a bad signature or an expired URL gets 403") {
  EmulatorOptions options = small_options();
  options.faults.download_url_lifetime_seconds = 0.5;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  const std::string url = ready_download_url(*client, token);

  std::string tampered = url;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  const Download bad = download(tampered);
  CHECK(bad.status == 403);
  CHECK(json_string(bad.body, "error") == "invalid_signature");
  std::string later = url;  // moving the expiry invalidates the signature
  later.replace(later.find("expires=") + 8, 1, "9");
  CHECK(download(later).status == 403);
  const Download unsigned_url = download(url.substr(0, url.find('?')));
  CHECK(unsigned_url.status == 403);

  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const Download expired = download(url);
  CHECK(expired.status == 403);
  CHECK(json_string(expired.body, "error") == "url_expired");
  const Download expired_range = download(url, {{"Range", "bytes=10-"}});
  CHECK(expired_range.status == 403);
  CHECK(json_string(expired_range.body, "error") == "url_expired");  // the JSON is not sliced

  // Each poll signs a fresh URL.
  const std::string id =
      url.substr(url.find("/downloads/") + 11, url.find('?') - url.find("/downloads/") - 11);
  const std::string fresh = json_string(poll(*client, token, id), "downloadUrl").value();
  const Download again = download(fresh);
  CHECK(again.status == 200);
  CHECK(again.body == expected_export(options));
  CHECK(emulator->stats().expired_urls == 2);
}

TEST_CASE(
    "emulator: drop fault with ranges: cut at N, 2N, ..., then resuming assembles the export") {
  EmulatorOptions options = small_options();
  const std::string expected = expected_export(options);
  const std::uint64_t every = expected.size() / 3 + 7;
  options.faults.drop_download_after_bytes = every;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  const std::string url = ready_download_url(*client, token);

  std::string assembled;
  int attempts = 0;
  while (attempts < 10) {
    ++attempts;
    httplib::Headers headers;
    if (!assembled.empty())
      headers.emplace("Range", "bytes=" + std::to_string(assembled.size()) + "-");
    const Download d = download(url, headers);
    CHECK(d.status == (assembled.empty() ? 200 : 206));
    assembled += d.body;
    if (d.error == httplib::Error::Success) break;
    CHECK(assembled.size() % every == 0);  // every cut is at a multiple of N
  }
  CHECK(attempts == 3);
  CHECK(assembled == expected);
  CHECK(eventually([&] { return emulator->stats().downloads_completed == 1; }));
  CHECK(emulator->stats().downloads_dropped == 2);
}

TEST_CASE("emulator: drop fault without ranges: downloading again gets further each time") {
  EmulatorOptions options = small_options();
  const std::string expected = expected_export(options);
  options.faults.drop_download_after_bytes = expected.size() / 3 + 7;
  options.faults.accept_ranges = false;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  const std::string url = ready_download_url(*client, token);
  std::vector<std::size_t> received;
  Download d;
  for (int attempt = 0; attempt < 10; ++attempt) {
    d = download(url);
    received.push_back(d.body.size());
    if (d.error == httplib::Error::Success) break;
    CHECK(expected.rfind(d.body, 0) == 0);  // a prefix of the export
  }
  const std::uint64_t every = options.faults.drop_download_after_bytes;
  CHECK(received == std::vector<std::size_t>{every, 2 * every, expected.size()});
  CHECK(d.body == expected);
}

TEST_CASE("emulator: drop fault: drop_download_times limits the cuts per export") {
  EmulatorOptions options = small_options();
  options.faults.drop_download_after_bytes = 1000;
  options.faults.drop_download_times = 1;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  const std::string url = ready_download_url(*client, token);
  const Download first = download(url);
  CHECK(first.error != httplib::Error::Success);
  CHECK(first.body.size() == 1000);
  const Download second = download(url, {{"Range", "bytes=1000-"}});
  CHECK(second.error == httplib::Error::Success);
  CHECK(first.body + second.body == expected_export(options));
  // A new export has cut points of its own.
  const Download other = download(ready_download_url(*client, token));
  CHECK(other.body.size() == 1000);
}

TEST_CASE("emulator: download origin: a second listener, the token must not be sent there") {
  EmulatorOptions options = small_options();
  options.download_host = "127.0.0.1";
  auto emulator = start(options);
  CHECK(emulator->download_base_url() != emulator->base_url());
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  const std::string url = ready_download_url(*client, token);
  CHECK(url.rfind(emulator->download_base_url() + "/downloads/", 0) == 0);

  const Download good = download(url);
  CHECK(good.status == 200);
  CHECK(good.body == expected_export(options));
  CHECK(emulator->stats().foreign_origin_authorization == 0);

  const Download leaky = download(url, bearer(token));
  CHECK(leaky.status == 200);
  CHECK(emulator->stats().foreign_origin_authorization == 1);
  const auto requests = emulator->requests();
  REQUIRE(requests.size() >= 2);
  CHECK(requests.back().download_listener);
  CHECK(requests.back().had_authorization);

  // Each listener serves only its own routes.
  const std::string path = split_url(url).second;
  auto on_api = client->Get(path);
  REQUIRE(on_api);
  CHECK(on_api->status == 404);
  auto download_client = client_for(emulator->download_base_url());
  auto api_on_download = download_client->Post("/oauth/token", token_form(options), kForm);
  REQUIRE(api_on_download);
  CHECK(api_on_download->status == 404);
}

// ---------------------------------------------------------------------------------------------
// Faults

TEST_CASE("emulator: rate limit: every Nth request gets 429 with Retry-After") {
  EmulatorOptions options = small_options();
  options.faults.rate_limit_every = 2;
  options.faults.retry_after_seconds = 7;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    auto result = client->Post("/oauth/token", token_form(options), kForm);
    REQUIRE(result);
    statuses.push_back(result->status);
    if (result->status == 429) {
      CHECK(result->get_header_value("Retry-After") == "7");
      CHECK(error_of(result) == "rate_limited");
    }
  }
  CHECK(statuses == std::vector<int>{200, 429, 200, 429});
  CHECK(emulator->stats().rate_limited == 2);
}

TEST_CASE("emulator: server errors: every Nth request gets a JSON 5xx, 429 wins a tie") {
  EmulatorOptions options = small_options();
  options.faults.server_error_every = 3;
  options.faults.rate_limit_every = 6;
  options.faults.server_error_status = 502;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) {
    auto result = client->Get("/nowhere");
    REQUIRE(result);
    statuses.push_back(result->status);
    if (result->status == 502) CHECK(error_of(result) == "server_error");
  }
  CHECK(statuses == std::vector<int>{404, 404, 502, 404, 404, 429});
}

TEST_CASE("emulator: faults count only the paths under fault_path_prefix") {
  EmulatorOptions options = small_options();
  options.faults.server_error_every = 1;
  options.faults.fault_path_prefix = "/api/v2/bots/demo-bot/imports";
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  create_export(*client, token);
  auto import = client->Post(kImportsPath, bearer(token), import_items("a\n1\n"));
  REQUIRE(import);
  CHECK(import->status == 503);
  CHECK(emulator->imports().empty());
}

TEST_CASE("emulator: slow responses") {
  EmulatorOptions options = small_options();
  options.faults.slow_response_ms = 150;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const auto before = std::chrono::steady_clock::now();
  auto result = client->Post("/oauth/token", token_form(options), kForm);
  REQUIRE(result);
  CHECK(result->status == 200);
  CHECK(std::chrono::steady_clock::now() - before >= std::chrono::milliseconds(150));
}

// ---------------------------------------------------------------------------------------------
// Idempotency-Key

TEST_CASE("emulator: Idempotency-Key: a repeated export POST replays the first answer") {
  EmulatorOptions options = small_options();
  options.idempotency_window_seconds = 1.0;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  httplib::Headers headers = bearer(token);
  headers.emplace("Idempotency-Key", "key-1");
  const std::string body = R"({"name":"n","format":"csv"})";

  auto first = client->Post(kExportsPath, headers, body, "application/json");
  auto second = client->Post(kExportsPath, headers, body, "application/json");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->status == 201);
  CHECK(second->status == 201);
  CHECK(second->body == first->body);
  CHECK(second->get_header_value("Idempotent-Replayed") == "true");
  CHECK(emulator->stats().exports_created == 1);
  CHECK(emulator->stats().idempotent_replays == 1);

  httplib::Headers other = bearer(token);
  other.emplace("Idempotency-Key", "key-2");
  auto third = client->Post(kExportsPath, other, body, "application/json");
  REQUIRE(third);
  CHECK(json_string(third->body, "id") != json_string(first->body, "id"));

  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // past the window
  auto aged = client->Post(kExportsPath, headers, body, "application/json");
  REQUIRE(aged);
  CHECK(json_string(aged->body, "id") != json_string(first->body, "id"));
  CHECK(emulator->stats().exports_created == 3);
}

TEST_CASE("emulator: Idempotency-Key: failures are not remembered, keys are per endpoint") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, emulator->options());
  httplib::Headers headers = bearer(token);
  headers.emplace("Idempotency-Key", "same-key");
  auto bad =
      client->Post(kExportsPath, headers, R"({"name":"n","format":"xml"})", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  auto good =
      client->Post(kExportsPath, headers, R"({"name":"n","format":"csv"})", "application/json");
  REQUIRE(good);
  CHECK(good->status == 201);
  auto import = client->Post(kImportsPath, headers, import_items("a\n1\n"));
  REQUIRE(import);
  CHECK(import->status == 201);
  CHECK(json_int(import->body, "rows") == 1);
  auto import_again = client->Post(kImportsPath, headers, import_items("a\n1\n2\n"));
  REQUIRE(import_again);
  CHECK(import_again->body == import->body);  // the first answer; the new file is not read
  REQUIRE(emulator->imports().size() == 1);
  CHECK(emulator->imports()[0].idempotency_key == "same-key");
}

TEST_CASE(
    "emulator: Idempotency-Key: a duplicate while the first upload is still running gets 409") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, emulator->options());
  httplib::Headers headers = bearer(token);
  headers.emplace("Idempotency-Key", "slow-upload");

  std::atomic<bool> release{false};
  std::atomic<bool> started{false};
  int first_status = 0;
  std::thread first([&] {
    auto slow_client = client_for(emulator->base_url());
    httplib::MultipartFormDataProviderItems providers = {
        {"file",
         [&](std::size_t offset, httplib::DataSink& sink) {
           if (offset == 0) {
             sink.write("a\n", 2);
             started = true;
             return true;
           }
           while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
           sink.write("1\n", 2);
           sink.done();
           return true;
         },
         "f.csv", "text/csv"}};
    auto result = slow_client->Post(
        kImportsPath, headers, httplib::MultipartFormDataItems{{"name", "n", "", ""}}, providers);
    first_status = result ? result->status : -1;
  });
  REQUIRE(eventually([&] { return started.load(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the server reserve the key
  auto duplicate = client->Post(kImportsPath, headers, import_items("a\n1\n"));
  release = true;
  first.join();
  REQUIRE(duplicate);
  CHECK(duplicate->status == 409);
  CHECK(error_of(duplicate) == "idempotency_conflict");
  CHECK(first_status == 201);
  CHECK(emulator->imports().size() == 1);
}

// ---------------------------------------------------------------------------------------------
// Imports

TEST_CASE("emulator: import: 201 with the data rows, the record keeps what arrived") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, emulator->options());
  const std::string csv =
      "id,utterance,ner_dates,ner_phones,ner_emails,ner_tickets\r\n"
      "1,\"call me, \"\"maybe\"\"\",2024-01-01,,,\r\n"
      "2,\"two\nlines\",,+49 30 1234567,a@b.de;c@d.de,TCK-1\r\n"
      "3,plain,,,,\r\n";
  auto result = client->Post(kImportsPath, bearer(token), import_items(csv));
  REQUIRE(result);
  CHECK(result->status == 201);
  CHECK(json_int(result->body, "rows") == 3);
  const std::string id = json_string(result->body, "id").value_or("");
  REQUIRE(emulator->imports().size() == 1);
  const auto record = emulator->imports()[0];
  CHECK(record.id == id);
  CHECK(record.bot_id == "demo-bot");
  CHECK(record.name == "enriched_ner_v1_20240101_120000");
  CHECK(record.description == "Automated NER enrichment batch v1");
  CHECK(record.file_name == "enriched_utterances.csv");
  CHECK(record.content_type == "text/csv");
  CHECK(record.rows == 3);
  CHECK(record.file_bytes == csv.size());
  CHECK(record.columns == std::vector<std::string>{"id", "utterance", "ner_dates", "ner_phones",
                                                   "ner_emails", "ner_tickets"});
  CHECK(record.sha256 == sha256_hex(csv));
  CHECK(record.content == csv);
  CHECK(record.content_complete);
}

TEST_CASE("emulator: import: a large upload is streamed and counted, the kept content is capped") {
  EmulatorOptions options = small_options();
  options.import_keep_bytes = 1000;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  EmulatorOptions big = options;
  big.rows = 40000;  // about 5 MB
  const std::string csv = expected_export(big);
  // Streamed from a content provider in small pieces, as a real client would.
  httplib::MultipartFormDataProviderItems providers = {
      {"file",
       [&](std::size_t offset, httplib::DataSink& sink) {
         const std::size_t n = std::min<std::size_t>(70001, csv.size() - offset);
         sink.write(csv.data() + offset, n);
         if (offset + n == csv.size()) sink.done();
         return true;
       },
       "export.csv", "text/csv"}};
  auto result = client->Post(kImportsPath, bearer(token),
                             httplib::MultipartFormDataItems{{"name", "big", "", ""}}, providers);
  REQUIRE(result);
  CHECK(result->status == 201);
  CHECK(json_int(result->body, "rows") == 40000);
  const auto record = emulator->imports().at(0);
  CHECK(record.file_bytes == csv.size());
  CHECK(record.sha256 == sha256_hex(csv));
  CHECK(record.content == csv.substr(0, 1000));
  CHECK_FALSE(record.content_complete);
}

TEST_CASE("emulator: import: malformed CSV, size limit and missing parts") {
  EmulatorOptions options = small_options();
  options.import_limit_bytes = 2000;
  auto emulator = start(options);
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, options);
  auto post = [&](const httplib::MultipartFormDataItems& items) {
    auto result = client->Post(kImportsPath, bearer(token), items);
    REQUIRE(result);
    return result;
  };

  auto short_row = post(import_items("a,b,c\n1,2,3\n4,5\n"));
  CHECK(short_row->status == 400);
  CHECK(error_of(short_row) == "malformed_csv");
  CHECK(json_string(short_row->body, "message") ==
        "row 3 (data row 2): expected 3 fields, found 2");

  auto blank = post(import_items("a,b\n1,2\n\n3,4\n"));
  CHECK(blank->status == 400);
  CHECK(json_string(blank->body, "message") == "row 3 (data row 2): blank line");

  auto empty = post(import_items(""));
  CHECK(empty->status == 400);
  CHECK(error_of(empty) == "malformed_csv");

  auto too_large = post(import_items("a\n" + std::string(2500, 'x') + "\n"));
  CHECK(too_large->status == 413);
  CHECK(error_of(too_large) == "payload_too_large");
  auto at_limit = post(import_items("a\n" + std::string(2000 - 3, 'x') + "\n"));
  CHECK(at_limit->status == 201);

  auto no_name = post({{"file", "a\n1\n", "f.csv", "text/csv"}});
  CHECK(no_name->status == 400);
  CHECK(json_string(no_name->body, "message").value_or("").find("'name'") != std::string::npos);
  auto no_file = post({{"name", "n", "", ""}, {"description", "d", "", ""}});
  CHECK(no_file->status == 400);
  CHECK(json_string(no_file->body, "message").value_or("").find("'file'") != std::string::npos);

  auto not_multipart = client->Post(kImportsPath, bearer(token), "a\n1\n", "text/csv");
  REQUIRE(not_multipart);
  CHECK(not_multipart->status == 400);

  auto unknown_bot =
      client->Post("/api/v2/bots/nobody/imports", bearer(token), import_items("a\n1\n"));
  REQUIRE(unknown_bot);
  CHECK(unknown_bot->status == 404);

  CHECK(emulator->imports().size() == 1);
  CHECK(emulator->stats().imports_rejected == 7);
}

TEST_CASE(
    "emulator: import: early answers (401) still read the upload, keeping the connection usable") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  const std::string big(3 * 1024 * 1024, 'x');
  auto refused = client->Post(kImportsPath, import_items("a\n" + big + "\n"));
  REQUIRE(refused);
  CHECK(refused->status == 401);
  const std::string token = get_token(*client, emulator->options());
  auto accepted = client->Post(kImportsPath, bearer(token), import_items("a\n1\n"));
  REQUIRE(accepted);
  CHECK(accepted->status == 201);
}

TEST_CASE("emulator: import: a multipart body it cannot read closes the connection") {
  // Found by the import_upload fuzz harness: cpp-httplib gives up on a multipart body without a
  // boundary (or with a broken part) before reading it to its end, and the bytes left over were
  // read as the next request on the same connection.
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  client->set_keep_alive(true);
  const std::string token = get_token(*client, emulator->options());
  for (const std::string content_type :
       {"multipart/form-data; boundary=", "multipart/form-data; boundary=B"}) {
    CAPTURE(content_type);
    const std::string body = "--B\r\nbroken part header\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";
    auto refused = client->Post(kImportsPath, bearer(token), body, content_type);
    REQUIRE(refused);
    CHECK(refused->status == 400);
    CHECK(error_of(refused) == "invalid_request");
    CHECK(refused->get_header_value("Connection") == "close");
    auto next = client->Post(kImportsPath, bearer(token), import_items("a\n1\n"));
    REQUIRE(next);
    CHECK(next->status == 201);

    // Answered before the body (no token), which is then drained: the same holds.
    auto early = client->Post(kImportsPath, body, content_type);
    REQUIRE(early);
    CHECK(early->status == 401);
    CHECK(early->get_header_value("Connection") == "close");
    auto after = client->Post("/oauth/token", token_form(emulator->options()), kForm);
    REQUIRE(after);
    CHECK(after->status == 200);
  }
  CHECK(emulator->imports().size() == 2);
}

// ---------------------------------------------------------------------------------------------
// Test hooks

TEST_CASE("emulator: the request log keeps no credentials") {
  auto emulator = start();
  auto client = client_for(emulator->base_url());
  const std::string token = get_token(*client, emulator->options());
  const std::string url = ready_download_url(*client, token);
  download(url);
  const auto requests = emulator->requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].path == "/oauth/token");
  CHECK(requests[0].status == 200);
  CHECK(requests[1].had_authorization);
  CHECK(requests[1].status == 201);
  CHECK(requests[3].path.find('?') == std::string::npos);
  CHECK_FALSE(requests[3].had_authorization);
  for (const auto& r : requests) {
    CHECK(r.path.find(token) == std::string::npos);
    CHECK(r.path.find("sluice-demo-secret") == std::string::npos);
  }
}
