// The etcd target's client mapping (etcd_client.h).

#include "workloads/etcd_client.h"

#include "targets/etcd/client/client.h"
#include "workloads/raft_client.h"

namespace faultline::workloads {
namespace {

class EtcdWorkloadClient final : public Client {
 public:
  EtcdWorkloadClient(const std::string& base_url, std::chrono::milliseconds timeout, bool serializable_reads)
      : client_(base_url, timeout, serializable_reads) {}

  Completion invoke(const OpSpec& op) override {
    auto request = to_raft_request(op);
    // Not sent, so it certainly did not happen.
    if (!request.ok()) return Completion{history::OpType::Fail, op.value, request.error().message};
    return to_completion(op, client_.call(*request));
  }

 private:
  targets::etcd::client::EtcdClient client_;
};

}  // namespace

std::unique_ptr<Client> make_etcd_client(const std::string& base_url, std::chrono::milliseconds timeout,
                                         bool serializable_reads) {
  return std::make_unique<EtcdWorkloadClient>(base_url, timeout, serializable_reads);
}

}  // namespace faultline::workloads
