#pragma once
// The mapping of workload ops onto the etcd target's client: the same as the Raft
// target's (raft_client.h: to_raft_request builds a request of the shared key-value
// protocol, to_completion reads the outcome back), sent by EtcdClient over etcd's JSON
// gateway instead (targets/etcd/client/client.h says how each call becomes a range, put
// or txn and how its outcome is decided). Not thread-safe: one per client thread.

#include <chrono>
#include <memory>
#include <string>

#include "workloads/workload.h"

namespace faultline::workloads {

// `base_url`: the client URL of the member this process is bound to ("http://host:2379");
// every call goes there (etcd forwards writes to its leader). `timeout`: the whole of one
// invoke; when it passes the completion is info or fail (client.h). `serializable_reads`:
// reads are serializable ranges, answered from the member's local state.
std::unique_ptr<Client> make_etcd_client(const std::string& base_url, std::chrono::milliseconds timeout,
                                         bool serializable_reads);

}  // namespace faultline::workloads
