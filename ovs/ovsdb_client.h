#pragma once
// An RFC 7047 JSON-RPC 1.0 client over a stream socket (unix or tcp).
// Every connect, send and receive is bounded by the caller's Deadline: a
// server that accepts and never answers is an Error when it expires, never
// a hang. Server "echo" requests are answered while waiting.
#include <nlohmann/json.hpp>
#include <string>

#include "common/deadline.h"
#include "ovs/endpoint.h"
#include "ovs/json_stream.h"
#include "ovs/transaction.h"

namespace vxnet::ovs {

class OvsdbClient {
 public:
  // Throws Error (naming the endpoint) if it cannot connect in time.
  static OvsdbClient Connect(const Endpoint& endpoint, const Deadline& deadline);

  OvsdbClient(OvsdbClient&& other) noexcept;
  OvsdbClient& operator=(OvsdbClient&&) = delete;
  ~OvsdbClient();

  // Sends one request and returns its "result"; throws Error on a JSON-RPC
  // error, a closed connection, a malformed reply or the deadline.
  Json Call(const std::string& method, Json params, const Deadline& deadline);

  // "transact" on `db`: the result array, one entry per operation (plus a
  // trailing error object when the transaction failed, per RFC 7047).
  Json Transact(const std::string& db, const Json& operations, const Deadline& deadline);
  // The same for operations already written as text.
  Json Transact(const std::string& db, const Transaction& transaction, const Deadline& deadline);

  // A read-only transact sent now, its answer taken later by AwaitTransact
  // with the id returned: the server answers while the caller works.
  // Answers to other requests in between are skipped, so one sent ahead
  // and never awaited costs nothing but its bytes.
  long long SendTransact(const std::string& db, const Json& operations, const Deadline& deadline);
  Json AwaitTransact(long long id, const Deadline& deadline);

  const Endpoint& endpoint() const { return endpoint_; }
  // Transactions sent that could change the database (insert, update,
  // mutate, delete): zero means a failure left OVSDB as it was.
  int changing_transactions_sent() const { return changing_transactions_; }
  // Requests answered (each one round trip) and bytes exchanged, for the
  // debug log and the tests that keep a run's round trips counted.
  int round_trips() const { return round_trips_; }
  std::size_t bytes_sent() const { return bytes_sent_; }
  std::size_t bytes_received() const { return bytes_received_; }

 private:
  OvsdbClient(Endpoint endpoint, int fd) : endpoint_(std::move(endpoint)), fd_(fd) {}
  // "transact" with the operations already serialised (a JSON array).
  Json TransactText(const std::string& db, std::string operations, bool changing, const Deadline& deadline);
  long long SendTransactText(const std::string& db, std::string operations, bool changing, const Deadline& deadline);
  long long SendRequest(const std::string& method, const std::string& params, const Deadline& deadline);
  Json AwaitReply(long long id, const std::string& method, const Deadline& deadline);
  // Call with `params` already serialised (a JSON array).
  Json CallSerialized(const std::string& method, const std::string& params, const Deadline& deadline);
  void Send(const std::string& bytes, const Deadline& deadline);
  Json Receive(const Deadline& deadline, const std::string& waiting_for);

  Endpoint endpoint_;
  int fd_ = -1;
  long long next_id_ = 1;
  int changing_transactions_ = 0;
  int round_trips_ = 0;
  std::size_t bytes_sent_ = 0, bytes_received_ = 0;
  JsonStreamSplitter splitter_;
};

}  // namespace vxnet::ovs
