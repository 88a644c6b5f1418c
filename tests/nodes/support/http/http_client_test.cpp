#include "support/http/http_client.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "http_test_support.hpp"

using namespace sluice;
using namespace sluice::nodes::http;
using namespace sluice::nodes::http::testing;
using std::chrono::milliseconds;

namespace {

std::string pattern(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return text;
}

HttpRequest get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  return request;
}

/// A reader over `text` that hands out at most `piece` bytes per call.
BodySource text_source(std::string text, std::size_t piece, bool with_length) {
  auto shared = std::make_shared<const std::string>(std::move(text));
  BodySource source;
  if (with_length) source.length = shared->size();
  source.open = [shared, piece]() -> BodyReader {
    auto offset = std::make_shared<std::size_t>(0);
    return [shared, piece, offset](char* buffer, std::size_t capacity) {
      const std::size_t n = std::min({piece, capacity, shared->size() - *offset});
      std::memcpy(buffer, shared->data() + *offset, n);
      *offset += n;
      return n;
    };
  };
  return source;
}

/// A TCP listener that reads what a client sends and answers in plain-text HTTP: to a TLS
/// client it is a server that does not speak TLS.
class PlainTextListener {
 public:
  PlainTextListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        const int connection = ::accept(fd_, nullptr, nullptr);
        if (connection < 0) return;  // shut down
        char hello[512];
        (void)::recv(connection, hello, sizeof hello, 0);
        static constexpr char kReply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        (void)::send(connection, kReply, sizeof kReply - 1, MSG_NOSIGNAL);
        ::close(connection);
      }
    });
  }
  ~PlainTextListener() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  PlainTextListener(const PlainTextListener&) = delete;
  PlainTextListener& operator=(const PlainTextListener&) = delete;

  std::string https_url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/x"; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

HttpClientOptions fast_options() {
  HttpClientOptions options;
  options.connect_timeout = milliseconds(2000);
  options.request_timeout = milliseconds(5000);
  options.stream_timeout = milliseconds(5000);
  return options;
}

}  // namespace

TEST_CASE("send: a JSON call, its headers, and an error that names the call") {
  std::string seen_accept;
  std::string seen_query;
  bool saw_expect = true;
  LocalServer local;
  local.server().Get("/api/things/t1", [&](const httplib::Request& req, httplib::Response& res) {
    seen_accept = req.get_header_value("Accept");
    seen_query = req.get_param_value("sig");
    saw_expect = req.has_header("Expect");
    res.set_header("X-Next-Page-Token", "p2");
    res.set_content(R"({"id":"t1"})", "application/json");
  });
  local.server().Get("/api/things/missing", [](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"error":"not_found","message":"no such thing"})", "application/json");
  });
  local.start();
  HttpClient client(fast_options());

  HttpRequest request = get(local.url("/api/things/t1?sig=abc"));
  request.headers.emplace_back("Accept", "application/json");
  const auto response = client.send(request);
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(response->body == R"({"id":"t1"})");
  CHECK(response->header("x-next-page-token") == "p2");
  CHECK(response->header("content-type") == "application/json");
  CHECK(seen_accept == "application/json");
  CHECK(seen_query == "abc");
  CHECK_FALSE(saw_expect);

  const auto missing = client.send(get(local.url("/api/things/missing?sig=SECRETSIG")));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::not_found);
  CHECK(missing.status().message() == "GET " + local.url("/api/things/missing") +
                                          " failed: status 404 (not_found: no such thing)");
}

TEST_CASE("send: expected statuses are values, and PUT, DELETE and HEAD reach the server as such") {
  std::vector<std::string> methods;
  std::mutex mutex;
  LocalServer local;
  const auto record = [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    methods.push_back(req.method);
    res.status = 409;
    res.set_content(R"({"error":"export_not_ready"})", "application/json");
  };
  local.server().Put("/x", record);
  local.server().Delete("/x", record);
  local.server().Get("/x", record);
  local.start();
  HttpClient client(fast_options());

  HttpRequest request = get(local.url("/x"));
  request.expected_statuses = {409};
  for (const char* method : {"PUT", "DELETE", "GET", "HEAD"}) {
    request.method = method;
    const auto response = client.send(request);
    REQUIRE(response.ok());
    CHECK(response->status == 409);
  }
  request.method = "GET";
  CHECK(parse_server_error(client.send(request)->body).code == "export_not_ready");
  CHECK(methods == std::vector<std::string>{"PUT", "DELETE", "GET", "HEAD", "GET"});
}

TEST_CASE("send: a body over the limit fails as too_large, but a big error body is only cut") {
  LocalServer local;
  local.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(5000, 'x'), "text/plain");
  });
  local.server().Get("/big-error", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content(std::string(200'000, 'x'), "text/plain");
  });
  local.start();
  HttpClientOptions options = fast_options();
  options.max_response_bytes = 1000;
  HttpClient client(options);

  const auto big = client.exchange(get(local.url("/big")), nullptr, nullptr);
  CHECK(big.failure == Failure::too_large);
  const auto error = client.exchange(get(local.url("/big-error")), nullptr, nullptr);
  CHECK(error.failure == Failure::http_status);
  CHECK(error.response.status == 500);
  CHECK(error.response.body.size() == 64 * 1024);
}

TEST_CASE("download: the body streams to the sink after the head, error bodies never do") {
  const std::string content = pattern(300'000);
  LocalServer local;
  local.server().Get("/export.csv", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("Accept-Ranges", "bytes");
    res.set_content(content, "text/csv");
  });
  local.server().Get("/expired", [](const httplib::Request&, httplib::Response& res) {
    res.status = 403;
    res.set_content(R"({"error":"url_expired","message":"sign again"})", "application/json");
  });
  local.server().Get("/empty",
                     [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  local.start();
  HttpClient client(fast_options());

  std::string received;
  int chunks = 0;
  bool head_first = false;
  int head_status = 0;
  const auto response = client.download(
      get(local.url("/export.csv")),
      [&](std::string_view chunk) {
        received += chunk;
        ++chunks;
        return true;
      },
      [&](const HttpResponse& head) {
        head_first = received.empty();
        head_status = head.status;
        CHECK(head.header("accept-ranges") == "bytes");
        return true;
      });
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(response->body.empty());
  CHECK(received == content);
  CHECK(chunks > 1);
  CHECK(head_first);
  CHECK(head_status == 200);

  bool fed = false;
  const auto expired = client.download(get(local.url("/expired?sig=zzz")), [&](std::string_view) {
    fed = true;
    return true;
  });
  REQUIRE_FALSE(expired.ok());
  CHECK_FALSE(fed);
  CHECK(expired.status().message() ==
        "GET " + local.url("/expired") + " failed: status 403 (url_expired: sign again)");

  HttpRequest expected = get(local.url("/expired"));
  expected.expected_statuses = {403};
  const auto kept = client.download(expected, [&](std::string_view) {
    fed = true;
    return true;
  });
  REQUIRE(kept.ok());
  CHECK(kept->status == 403);
  CHECK(parse_server_error(kept->body).code == "url_expired");
  CHECK_FALSE(fed);

  bool empty_head = false;
  const auto empty = client.download(
      get(local.url("/empty")), [](std::string_view) { return true; },
      [&](const HttpResponse& head) {
        empty_head = head.status == 204;
        return true;
      });
  REQUIRE(empty.ok());
  CHECK(empty_head);
}

TEST_CASE("download: the head is reported as soon as the headers are in, before any body byte") {
  Gate release;
  LocalServer local;
  local.server().Get("/later", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(4, "text/csv", [&](std::size_t, std::size_t, httplib::DataSink& sink) {
      release.wait(milliseconds(3000));  // the body is slow to come
      sink.write("a,b\n", 4);
      return true;
    });
  });
  local.start();
  HttpClient client(fast_options());

  int head_status = 0;
  const BodySink sink = [](std::string_view) { return true; };
  const ResponseHook refuse = [&](const HttpResponse& head) {
    head_status = head.status;
    return false;  // e.g. a Content-Type the caller cannot use
  };
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = client.exchange(get(local.url("/later")), &sink, &refuse);
  const auto took = std::chrono::steady_clock::now() - started;
  release.open();
  CHECK(outcome.failure == Failure::aborted);
  CHECK(head_status == 200);
  CHECK(took < milliseconds(1000));
}

TEST_CASE("download: a sink that stops or throws ends the call with its reason") {
  const std::string content = pattern(200'000);
  LocalServer local;
  local.server().Get("/data", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(content, "text/plain");
  });
  local.start();
  HttpClient client(fast_options());

  const auto stopped = client.exchange(get(local.url("/data")), nullptr, nullptr);
  CHECK(stopped.ok());

  BodySink refuse = [](std::string_view) { return false; };
  const auto refused = client.exchange(get(local.url("/data")), &refuse, nullptr);
  CHECK(refused.failure == Failure::aborted);

  BodySink thrower = [](std::string_view) -> bool {
    throw Error(StatusCode::data_error, "row 3 is bad");
  };
  const auto thrown = client.download(get(local.url("/data")), thrower);
  REQUIRE_FALSE(thrown.ok());
  CHECK(thrown.status().code() == StatusCode::data_error);
  CHECK(thrown.status().message().ends_with("failed: row 3 is bad"));

  // The client is still usable afterwards.
  CHECK(client.send(get(local.url("/data"))).ok());
}

TEST_CASE("failures are classified: dropped mid-body, timeout, refused connection, TLS") {
  const std::string content = pattern(10'000);
  Gate release;
  LocalServer local;
  local.server().Get("/drop", [&](const httplib::Request&, httplib::Response& res) {
    // Promises 10,000 bytes, closes the connection after 3,000.
    res.set_content_provider(content.size(), "text/plain",
                             [&](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                               if (offset >= 3000) return false;
                               sink.write(content.data() + offset, std::min(length, 3000 - offset));
                               return true;
                             });
  });
  local.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    release.wait(milliseconds(3000));
    res.set_content("late", "text/plain");
  });
  local.start();

  HttpClientOptions options = fast_options();
  options.request_timeout = milliseconds(300);
  HttpClient client(options);

  std::string received;
  BodySink sink = [&](std::string_view chunk) {
    received += chunk;
    return true;
  };
  const auto dropped = client.exchange(get(local.url("/drop")), &sink, nullptr);
  CHECK(dropped.failure == Failure::dropped);
  CHECK(dropped.response.status == 200);
  CHECK(received == content.substr(0, 3000));
  const auto dropped_send = client.send(get(local.url("/drop")));
  REQUIRE_FALSE(dropped_send.ok());
  CHECK(dropped_send.status().code() == StatusCode::network_error);
  CHECK(dropped_send.status().message().find("connection dropped") != std::string::npos);

  const auto started = std::chrono::steady_clock::now();
  const auto slow = client.exchange(get(local.url("/slow")), nullptr, nullptr);
  CHECK(slow.failure == Failure::timeout);
  CHECK(std::chrono::steady_clock::now() - started < milliseconds(2000));
  release.open();

  LocalServer closed;
  closed.start();
  const std::string closed_url = closed.url("/x");
  closed.stop();
  CHECK(client.exchange(get(closed_url), nullptr, nullptr).failure == Failure::connect);

  // TLS to a server that does not speak it fails the handshake; a missing CA file fails too.
  // (Another client: loading the CA bundle may take longer than the 300 ms limit above.)
  PlainTextListener plain;
  HttpClient tls_client(fast_options());
  const auto handshake = tls_client.exchange(get(plain.https_url()), nullptr, nullptr);
  CHECK(handshake.failure == Failure::tls);
  CHECK_FALSE(handshake.detail.empty());
  HttpClientOptions bad_ca = fast_options();
  bad_ca.ca_file = "/nonexistent/ca.pem";
  HttpClient bad_ca_client(bad_ca);
  CHECK(bad_ca_client.exchange(get(plain.https_url()), nullptr, nullptr).failure == Failure::tls);
}

TEST_CASE("upload: a known length is sent with Content-Length, an unknown one chunked") {
  std::mutex mutex;
  std::string body;
  std::string content_length;
  std::string transfer_encoding;
  std::string content_type;
  bool saw_expect = false;
  LocalServer local;
  local.server().Post("/upload", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    body = req.body;
    content_length = req.get_header_value("Content-Length");
    transfer_encoding = req.get_header_value("Transfer-Encoding");
    content_type = req.get_header_value("Content-Type");
    saw_expect = req.has_header("Expect");
    res.status = 201;
    res.set_content(R"({"id":"u1"})", "application/json");
  });
  local.start();
  HttpClient client(fast_options());
  const std::string content = pattern(250'000);

  HttpRequest request;
  request.method = "POST";
  request.url = local.url("/upload");
  request.headers.emplace_back("Content-Type", "text/csv");
  request.stream = text_source(content, 7000, true);
  auto response = client.send(request);
  REQUIRE(response.ok());
  CHECK(response->status == 201);
  CHECK(body == content);
  CHECK(content_length == std::to_string(content.size()));
  CHECK(transfer_encoding.empty());
  CHECK(content_type == "text/csv");
  CHECK_FALSE(saw_expect);

  request.stream = text_source(content, 333, false);
  response = client.send(request);
  REQUIRE(response.ok());
  CHECK(body == content);
  CHECK(transfer_encoding == "chunked");
  CHECK_FALSE(saw_expect);

  // A small in-memory body, and a body-less POST without a made-up Content-Type.
  request.stream.reset();
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"name":"x"})";
  REQUIRE(client.send(request).ok());
  CHECK(body == R"({"name":"x"})");
  CHECK(content_length == "12");
  request.headers.clear();
  request.body.clear();
  REQUIRE(client.send(request).ok());
  CHECK(body.empty());
  CHECK(content_type.empty());
}

TEST_CASE("upload: a reader that throws or breaks its declared length fails the call") {
  std::atomic<int> completed{0};
  LocalServer local;
  local.server().Post("/upload", [&](const httplib::Request&, httplib::Response& res) {
    ++completed;
    res.set_content("{}", "application/json");
  });
  local.start();
  HttpClient client(fast_options());

  HttpRequest request;
  request.method = "POST";
  request.url = local.url("/upload");
  request.stream = BodySource{[]() -> BodyReader {
                                return [](char*, std::size_t) -> std::size_t {
                                  throw Error(StatusCode::io_error, "cannot read enriched.csv");
                                };
                              },
                              std::nullopt};
  auto response = client.send(request);
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == StatusCode::io_error);
  CHECK(response.status().message().ends_with("failed: cannot read enriched.csv"));

  request.stream = text_source("short", 100, false);
  request.stream->length = 10;
  response = client.send(request);
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == StatusCode::data_error);
  CHECK(response.status().message().find("only 5 of its declared 10 bytes") != std::string::npos);
  CHECK(completed == 0);
}

TEST_CASE("connections are reused between calls of one client") {
  std::vector<int> ports;
  std::mutex mutex;
  LocalServer local;
  local.server().Get("/ping", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mutex);
    ports.push_back(req.remote_port);
    res.set_content("pong", "text/plain");
  });
  local.start();
  HttpClient client(fast_options());
  for (int i = 0; i < 3; ++i) REQUIRE(client.send(get(local.url("/ping"))).ok());
  REQUIRE(ports.size() == 3);
  CHECK(ports[0] == ports[1]);
  CHECK(ports[1] == ports[2]);
}

TEST_CASE("cancellation stops a waiting call quickly") {
  Gate release;
  LocalServer local;
  local.server().Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
    release.wait(milliseconds(3000));
    res.set_content("late", "text/plain");
  });
  local.start();
  std::atomic<bool> cancel{false};
  HttpClientOptions options = fast_options();
  options.cancelled = [&] { return cancel.load(); };
  HttpClient client(options);

  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(50));
    cancel = true;
  });
  const auto started = std::chrono::steady_clock::now();
  const auto response = client.send(get(local.url("/slow")));
  const auto took = std::chrono::steady_clock::now() - started;
  canceller.join();
  release.open();
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == StatusCode::cancelled);
  CHECK(took < milliseconds(500));
}

TEST_CASE("requests that cannot be sent are refused before any I/O") {
  HttpClient client(fast_options());
  HttpRequest request = get("http://127.0.0.1:9/x");
  request.headers.emplace_back("X-Evil", "a\r\nInjected: yes");
  auto outcome = client.exchange(request, nullptr, nullptr);
  CHECK(outcome.failure == Failure::invalid_request);
  CHECK(HttpClient::error_status(request, outcome).code() == StatusCode::invalid_argument);

  request.headers = {{"Bad Name", "v"}};
  CHECK(client.exchange(request, nullptr, nullptr).failure == Failure::invalid_request);
  CHECK(client.exchange(get("file:///etc/passwd"), nullptr, nullptr).failure ==
        Failure::invalid_request);
  request = get("http://127.0.0.1:9/x");
  request.method = "GE T";
  CHECK(client.exchange(request, nullptr, nullptr).failure == Failure::invalid_request);
}
