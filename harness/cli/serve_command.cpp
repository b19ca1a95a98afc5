// `faultline serve`: the store over HTTP on 127.0.0.1 only (never another address), read
// only: GET and HEAD of files under the store, a directory as its index.html or a
// listing. A path whose canonical form leaves the store (.., symlinks out) is refused
// with 403; a request whose Host is not 127.0.0.1/localhost with 403 too, so a web page
// cannot read the store through DNS rebinding. HTTP by Boost.Beast (no parser of our
// own), one thread, asynchronous; SIGINT/SIGTERM stop it (exit 0).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "harness/cli/commands.h"
#include "reports/publish/escape.h"

namespace faultline::harness {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct ServeArgs {
  std::string store = "store";
  int port = 8080;
};

std::string content_type(const fs::path& file) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},   {".htm", "text/html; charset=utf-8"},
      {".json", "application/json"},           {".jsonl", "application/x-ndjson"},
      {".svg", "image/svg+xml"},               {".png", "image/png"},
      {".log", "text/plain; charset=utf-8"},   {".txt", "text/plain; charset=utf-8"},
      {".edn", "text/plain; charset=utf-8"},   {".xml", "application/xml"},
      {".css", "text/css; charset=utf-8"},     {".js", "text/javascript; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},     {".tsv", "text/tab-separated-values; charset=utf-8"},
  };
  auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// "/a%20b/c?x" -> "a b/c"; nullopt for a malformed escape or a NUL.
std::optional<std::string> decode_target(std::string_view target) {
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty() || target[0] != '/') return std::nullopt;
  std::string out;
  for (size_t i = 1; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      const auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      if (i + 2 >= target.size()) return std::nullopt;
      const int hi = hex(target[i + 1]), lo = hex(target[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out += c;
  }
  return out;
}

// `inner` is `outer` or below it (both canonical).
bool is_within(const fs::path& outer, const fs::path& inner) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

std::string listing(const fs::path& dir, const std::string& shown) {
  using reports::publish::escape_xml;
  using reports::publish::escape_xml_attribute;
  using reports::publish::url_segment;
  std::map<std::string, bool> entries;  // name -> is a directory (sorted)
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    entries[it->path().filename().string()] = it->is_directory(ec);
  std::string page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escape_xml(shown) +
                     "</title></head><body><h1>" + escape_xml(shown) + "</h1><ul><li><a href=\"../\">../</a></li>";
  for (const auto& [name, is_dir] : entries) {
    const std::string suffix = is_dir ? "/" : "";
    page += "<li><a href=\"" + escape_xml_attribute(url_segment(name) + suffix) + "\">" + escape_xml(name + suffix) +
            "</a></li>";
  }
  return page + "</ul></body></html>\n";
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const fs::path& store) : stream_(std::move(socket)), store_(store) {}
  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return close();
    const auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    if (req.method() != http::verb::get && !head_) return send_text(http::status::method_not_allowed, "GET or HEAD only\n");
    const auto host_field = req[http::field::host];
    const std::string host(host_field.data(), host_field.size());
    const std::string host_name = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
    if (!host.empty() && host_name != "127.0.0.1" && host_name != "localhost")
      return send_text(http::status::forbidden, "only 127.0.0.1 or localhost\n");
    const std::string target(req.target().data(), req.target().size());
    const auto relative = decode_target(target);
    if (!relative) return send_text(http::status::bad_request, "bad path\n");

    std::error_code fec;
    const fs::path path = fs::canonical(store_ / fs::path(*relative), fec);
    if (fec) return send_text(http::status::not_found, "not found\n");
    if (!is_within(store_, path)) return send_text(http::status::forbidden, "outside the store\n");
    fs::path file = path;
    if (fs::is_directory(path, fec)) {
      if (!relative->empty() && relative->back() != '/') {
        // Relative links in a directory's page need the trailing slash.
        return send_redirect(target.substr(0, target.find_first_of("?#")) + "/");
      }
      if (!fs::is_regular_file(path / "index.html", fec))
        return send_body(http::status::ok, "text/html; charset=utf-8", listing(path, "/" + *relative));
      file = path / "index.html";
    }
    if (!fs::is_regular_file(file, fec)) return send_text(http::status::not_found, "not found\n");
    http::file_body::value_type body;
    beast::error_code bec;
    body.open(file.c_str(), beast::file_mode::scan, bec);
    if (bec) return send_text(http::status::not_found, "cannot open\n");
    const auto size = body.size();
    if (head_) {
      auto res = std::make_shared<http::response<http::empty_body>>(http::status::ok, 11);
      res->set(http::field::content_type, content_type(file));
      headers(*res);
      res->content_length(size);
      return write(res);
    }
    auto res = std::make_shared<http::response<http::file_body>>(http::status::ok, 11);
    res->set(http::field::content_type, content_type(file));
    headers(*res);
    res->body() = std::move(body);
    res->prepare_payload();
    write(res);
  }

  template <class Response>
  void headers(Response& res) {
    res.set(http::field::server, "faultline");
    res.set("X-Content-Type-Options", "nosniff");
    res.set(http::field::cache_control, "no-cache");
    res.keep_alive(keep_alive_);
  }

  void send_text(http::status status, const std::string& text) {
    send_body(status, "text/plain; charset=utf-8", text);
  }

  void send_body(http::status status, const std::string& type, std::string text) {
    auto res = std::make_shared<http::response<http::string_body>>(status, 11);
    res->set(http::field::content_type, type);
    headers(*res);
    res->body() = head_ ? std::string() : std::move(text);
    res->prepare_payload();
    write(res);
  }

  void send_redirect(const std::string& location) {
    auto res = std::make_shared<http::response<http::string_body>>(http::status::moved_permanently, 11);
    res->set(http::field::location, location);
    headers(*res);
    res->prepare_payload();
    write(res);
  }

  template <class Response>
  void write(std::shared_ptr<Response> res) {
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  const fs::path& store_;
  bool keep_alive_ = false;
  bool head_ = false;
};

void accept(tcp::acceptor& acceptor, const fs::path& store) {
  acceptor.async_accept([&acceptor, &store](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) std::make_shared<Session>(std::move(socket), store)->start();
    accept(acceptor, store);
  });
}

int run_serve(const ServeArgs& a) {
  std::error_code ec;
  const fs::path store = fs::canonical(a.store, ec);
  if (ec || !fs::is_directory(store)) {
    std::fprintf(stderr, "error: --store %s: not a directory\n", a.store.c_str());
    return kExitError;
  }
  if (a.port < 0 || a.port > 65535) {
    std::fprintf(stderr, "error: --port must be 0 to 65535\n");
    return kExitError;
  }
  asio::io_context io;
  // Loopback only, by design: the store holds histories and node logs.
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), static_cast<unsigned short>(a.port));
  tcp::acceptor acceptor(io);
  beast::error_code bec;
  acceptor.open(endpoint.protocol(), bec);
  if (!bec) acceptor.set_option(asio::socket_base::reuse_address(true), bec);
  if (!bec) acceptor.bind(endpoint, bec);
  if (!bec) acceptor.listen(asio::socket_base::max_listen_connections, bec);
  if (bec) {
    std::fprintf(stderr, "error: 127.0.0.1:%d: %s\n", a.port, bec.message().c_str());
    return kExitError;
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](beast::error_code, int) { io.stop(); });
  std::printf("serving %s on http://127.0.0.1:%u/ (Ctrl-C stops)\n", store.c_str(),
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  accept(acceptor, store);
  io.run();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the store read-only over HTTP on 127.0.0.1 (never another address) until SIGINT/SIGTERM.");
  cmd->add_option("--store", args->store, "Store directory")->capture_default_str();
  cmd->add_option("--port", args->port, "Port on 127.0.0.1 (0: any free one, printed)")->capture_default_str();
  cmd->callback([args, run] { *run = [args] { return run_serve(*args); }; });
}

}  // namespace faultline::harness
