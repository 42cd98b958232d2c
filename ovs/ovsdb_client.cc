#include "ovs/ovsdb_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace vxnet::ovs {

namespace {

std::string Budget(const Deadline& d) { return std::to_string(d.budget().count()) + " ms"; }

// Waits for `events` on fd; false when the deadline passed first.
bool WaitFor(int fd, short events, const Deadline& deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, deadline.poll_timeout_ms());
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

}  // namespace

OvsdbClient OvsdbClient::Connect(const Endpoint& endpoint, const Deadline& deadline) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = AF_UNIX;
  if (endpoint.kind == Endpoint::Kind::kUnix) {
    auto* un = reinterpret_cast<sockaddr_un*>(&addr);
    un->sun_family = AF_UNIX;
    std::memcpy(un->sun_path, endpoint.path.c_str(), endpoint.path.size() + 1);
    len = sizeof(sockaddr_un);
  } else if (auto* in4 = reinterpret_cast<sockaddr_in*>(&addr);
             inet_pton(AF_INET, endpoint.host.c_str(), &in4->sin_addr) == 1) {
    family = in4->sin_family = AF_INET;
    in4->sin_port = htons(endpoint.port);
    len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_pton(AF_INET6, endpoint.host.c_str(), &in6->sin6_addr);
    family = in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(endpoint.port);
    len = sizeof(sockaddr_in6);
  }

  const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error("OVSDB endpoint", endpoint.text, std::string("cannot create socket: ") + std::strerror(errno));
  OvsdbClient client(endpoint, fd);
  const std::string fix = "is ovsdb-server running? The endpoint is set by 'ovsdb' in /etc/vxnet/vxnet.conf";
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN)
      throw Error("OVSDB endpoint", endpoint.text, std::string("cannot connect: ") + std::strerror(errno), fix);
    if (!WaitFor(fd, POLLOUT, deadline))
      throw Error("OVSDB endpoint", endpoint.text, "connect did not complete within " + Budget(deadline), fix);
    int err = 0;
    socklen_t err_len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) throw Error("OVSDB endpoint", endpoint.text, std::string("cannot connect: ") + std::strerror(err), fix);
  }
  return client;
}

OvsdbClient::OvsdbClient(OvsdbClient&& other) noexcept
    : endpoint_(std::move(other.endpoint_)),
      fd_(other.fd_),
      next_id_(other.next_id_),
      changing_transactions_(other.changing_transactions_),
      round_trips_(other.round_trips_),
      bytes_sent_(other.bytes_sent_),
      bytes_received_(other.bytes_received_),
      splitter_(std::move(other.splitter_)) {
  other.fd_ = -1;
}

OvsdbClient::~OvsdbClient() {
  if (fd_ >= 0) close(fd_);
}

void OvsdbClient::Send(const std::string& bytes, const Deadline& deadline) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      bytes_sent_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd_, POLLOUT, deadline))
        throw Error("OVSDB server", endpoint_.text, "did not accept the request within " + Budget(deadline));
      continue;
    }
    throw Error("OVSDB server", endpoint_.text, std::string("connection failed while sending: ") + std::strerror(errno));
  }
}

Json OvsdbClient::Receive(const Deadline& deadline, const std::string& waiting_for) {
  for (;;) {
    if (auto message = splitter_.Next()) {
      try {
        return Json::parse(*message);
      } catch (const Json::exception&) {
        throw Error("OVSDB server", endpoint_.text, "sent a message that is not valid JSON");
      }
    }
    if (!WaitFor(fd_, POLLIN, deadline))
      throw Error("OVSDB server", endpoint_.text, "did not answer " + waiting_for + " within " + Budget(deadline),
                  "check that ovsdb-server is running and not stalled");
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n == 0) throw Error("OVSDB server", endpoint_.text, "closed the connection before answering " + waiting_for);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      throw Error("OVSDB server", endpoint_.text, std::string("connection failed: ") + std::strerror(errno));
    }
    bytes_received_ += static_cast<std::size_t>(n);
    splitter_.Feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

Json OvsdbClient::Call(const std::string& method, Json params, const Deadline& deadline) {
  return CallSerialized(method, params.dump(), deadline);
}

Json OvsdbClient::CallSerialized(const std::string& method, const std::string& params, const Deadline& deadline) {
  return AwaitReply(SendRequest(method, params, deadline), method, deadline);
}

long long OvsdbClient::SendRequest(const std::string& method, const std::string& params, const Deadline& deadline) {
  const long long id = next_id_++;
  Send(R"({"id":)" + std::to_string(id) + R"(,"method":)" + Json(method).dump() + R"(,"params":)" + params + "}",
       deadline);
  return id;
}

Json OvsdbClient::AwaitReply(long long id, const std::string& method, const Deadline& deadline) {
  for (;;) {
    Json message = Receive(deadline, "'" + method + "'");
    if (!message.is_object())
      throw Error("OVSDB server", endpoint_.text, "sent a JSON-RPC message that is not an object");
    // A request from the server: answer echo (keepalive), ignore others.
    if (message.contains("method") && message["method"].is_string()) {
      if (message["method"] == "echo" && message.contains("id") && !message["id"].is_null())
        Send(Json{{"result", message.value("params", Json::array())}, {"error", nullptr}, {"id", message["id"]}}
                 .dump(),
             deadline);
      continue;
    }
    if (!message.contains("id") || message["id"] != id) continue;  // stale or unrelated reply
    ++round_trips_;
    if (message.contains("error") && !message["error"].is_null())
      throw Error("OVSDB request", method, "failed: " + Printable(message["error"].dump(), 200));
    if (!message.contains("result"))
      throw Error("OVSDB server", endpoint_.text, "answered '" + method + "' without a result");
    return std::move(message["result"]);
  }
}

Json OvsdbClient::Transact(const std::string& db, const Json& operations, const Deadline& deadline) {
  if (!operations.is_array()) throw Error::Plain("OVSDB transaction: the operations are not a JSON array");
  bool changing = false;
  for (const auto& op : operations) {
    const std::string kind = op.value("op", std::string());
    changing = changing || kind == "insert" || kind == "update" || kind == "mutate" || kind == "delete";
  }
  return TransactText(db, operations.dump(), changing, deadline);
}

Json OvsdbClient::Transact(const std::string& db, const Transaction& transaction, const Deadline& deadline) {
  return TransactText(db, transaction.Text(), transaction.changes(), deadline);
}

Json OvsdbClient::TransactText(const std::string& db, std::string operations, bool changing, const Deadline& deadline) {
  return AwaitTransact(SendTransactText(db, std::move(operations), changing, deadline), deadline);
}

long long OvsdbClient::SendTransact(const std::string& db, const Json& operations, const Deadline& deadline) {
  if (!operations.is_array()) throw Error::Plain("OVSDB transaction: the operations are not a JSON array");
  for (const auto& op : operations) {
    const std::string kind = op.value("op", std::string());
    if (kind == "insert" || kind == "update" || kind == "mutate" || kind == "delete")
      throw Error::Plain("OVSDB transaction: only reads are sent ahead");
  }
  return SendTransactText(db, operations.dump(), false, deadline);
}

long long OvsdbClient::SendTransactText(const std::string& db, std::string operations, bool changing,
                                        const Deadline& deadline) {
  if (changing) ++changing_transactions_;
  // "[op,...]" -> "[db,op,...]": the operations are sent as they were
  // written, never copied as a tree.
  operations.insert(1, Json(db).dump() + (operations == "[]" ? "" : ","));
  return SendRequest("transact", operations, deadline);
}

Json OvsdbClient::AwaitTransact(long long id, const Deadline& deadline) {
  Json result = AwaitReply(id, "transact", deadline);
  if (!result.is_array()) throw Error("OVSDB server", endpoint_.text, "answered 'transact' with a non-array result");
  return result;
}

}  // namespace vxnet::ovs
