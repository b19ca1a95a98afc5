#include "targets/etcd/client/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace faultline::targets::etcd::client {

namespace {

using Clock = std::chrono::steady_clock;
using common::Outcome;
using common::OutcomeType;
using common::Request;

size_t append_body(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::chrono::milliseconds left(Clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

Outcome finish(Outcome outcome, const std::vector<AttemptResult>& attempts) {
  outcome.type = common::decide(attempts);
  outcome.attempts = static_cast<int>(attempts.size());
  return outcome;
}

}  // namespace

Exchange post(const std::string& base_url, const HttpCall& call, std::chrono::milliseconds timeout) {
  // curl_global_init is not thread-safe on every build; client threads start together.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Exchange ex;
  if (timeout.count() <= 0) {
    ex.error = "no time left";
    return ex;
  }
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, curl_slist_free_all);
  if (!h) {
    ex.error = "curl_easy_init failed";
    return ex;
  }
  // No "Expect: 100-continue": libcurl would wait for it before sending a large body.
  headers.reset(curl_slist_append(curl_slist_append(nullptr, "Content-Type: application/json"), "Expect:"));
  const std::string url = base_url + call.path;
  const long ms = static_cast<long>(timeout.count());
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(h.get(), CURLOPT_PROXY, "");  // "": no proxy, whatever the environment says
  curl_easy_setopt(h.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h.get(), CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(h.get(), CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, ms);
  curl_easy_setopt(h.get(), CURLOPT_CONNECTTIMEOUT_MS, ms);
  curl_easy_setopt(h.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDS, call.body.data());
  curl_easy_setopt(h.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &ex.body);
  const CURLcode rc = curl_easy_perform(h.get());
  if (rc == CURLE_OK) {
    ex.answered = true;
    curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &ex.status);
    return ex;
  }
  curl_off_t connect_us = 0;
  long request_bytes = 0;
  curl_easy_getinfo(h.get(), CURLINFO_CONNECT_TIME_T, &connect_us);
  curl_easy_getinfo(h.get(), CURLINFO_REQUEST_SIZE, &request_bytes);
  const bool refused = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST;
  ex.unanswered = unanswered(refused, connect_us > 0, request_bytes > 0);
  ex.error = std::string(curl_easy_strerror(rc)) + " at " + base_url;
  return ex;
}

EtcdClient::EtcdClient(std::string base_url, std::chrono::milliseconds timeout, bool serializable_reads)
    : base_url_(std::move(base_url)), timeout_(timeout), serializable_reads_(serializable_reads) {}

Exchange EtcdClient::send(const HttpCall& call, Clock::time_point deadline) {
  return post(base_url_, call, left(deadline));
}

Outcome EtcdClient::call(const Request& request) {
  const auto deadline = Clock::now() + timeout_;
  if (request.kind == common::OpKind::Append) return append(request, deadline);
  HttpCall http;
  CallKind kind = CallKind::Put;
  switch (request.kind) {
    case common::OpKind::Get:
    case common::OpKind::ReadList:
      http = range_call(request.key, serializable_reads_);
      kind = CallKind::Range;
      break;
    case common::OpKind::Put:
      http = put_call(request.key, request.value);
      break;
    case common::OpKind::Cas:
      http = cas_call(request.key, request.expected, request.value);
      kind = CallKind::Txn;
      break;
    case common::OpKind::Append:
      break;  // above
  }
  Outcome outcome;
  const Exchange ex = send(http, deadline);
  if (!ex.answered) {
    outcome.error = ex.error;
    return finish(outcome, {ex.unanswered});
  }
  const Answer answer = parse_answer(kind, ex.status, ex.body);
  outcome.error = answer.error;
  if (answer.result == AttemptResult::Ok && kind == CallKind::Range) {
    if (request.kind == common::OpKind::Get) {
      if (answer.kv.exists()) outcome.reply.value = answer.kv.value;
    } else if (answer.kv.exists()) {
      auto list = decode_list(answer.kv.value);
      if (!list) {
        // Not a list the appends wrote: report it, as nothing was changed.
        outcome.error = "the value of " + request.key + " is not a list";
        return finish(outcome, {AttemptResult::Definite});
      }
      outcome.reply.list = std::move(*list);
    }
  }
  return finish(outcome, {answer.result});
}

Outcome EtcdClient::append(const Request& request, Clock::time_point deadline) {
  // Reads have no effect, so only the txns count towards the outcome: a call whose txns
  // all lost their race (or never went out) certainly appended nothing. A lost txn may
  // still apply, but at most once and never after a later txn of this call succeeded:
  // each compares a mod revision that any applied put moves on.
  std::vector<AttemptResult> txns;
  Outcome outcome;
  bool maybe_applied = false;
  std::optional<KeyValue> current;  // the key as last seen, when known
  while (Clock::now() < deadline) {
    if (!current) {
      const Exchange ex = send(range_call(request.key, /*serializable=*/false), deadline);
      const Answer read = ex.answered ? parse_answer(CallKind::Range, ex.status, ex.body) : Answer{};
      if (!ex.answered || read.result != AttemptResult::Ok) {
        outcome.error = "read before append: " + (ex.answered ? read.error : ex.error);
        std::this_thread::sleep_for(std::min(std::chrono::milliseconds(20), left(deadline)));
        continue;
      }
      current = read.kv;
    }
    auto list = current->exists() ? decode_list(current->value) : std::vector<std::string>{};
    if (!list) {
      outcome.error = "the value of " + request.key + " is not a list";
      txns.push_back(AttemptResult::Definite);
      return finish(outcome, txns);
    }
    // A txn of this call that looked lost did apply: the element is there (a workload
    // adds each element once).
    if (maybe_applied && std::find(list->begin(), list->end(), request.value) != list->end()) {
      txns.push_back(AttemptResult::Ok);
      outcome.error.clear();
      return finish(outcome, txns);
    }
    list->push_back(request.value);
    const Exchange ex = send(append_call(request.key, current->mod_revision, *list), deadline);
    if (!ex.answered) {
      txns.push_back(ex.unanswered);
      maybe_applied = maybe_applied || ex.unanswered == AttemptResult::Lost;
      outcome.error = ex.error;
      current.reset();
      continue;
    }
    const Answer answer = parse_answer(CallKind::Txn, ex.status, ex.body);
    if (answer.result == AttemptResult::Ok) {
      txns.push_back(AttemptResult::Ok);
      outcome.error.clear();
      return finish(outcome, txns);
    }
    outcome.error = answer.error;
    current.reset();
    if (answer.result == AttemptResult::CasMismatch) {
      // Lost the race: this txn wrote nothing. Go again from what it saw.
      txns.push_back(AttemptResult::Definite);
      current = answer.kv;
    } else if (answer.result == AttemptResult::Unknown) {
      txns.push_back(AttemptResult::Lost);
      maybe_applied = true;
    } else {
      txns.push_back(answer.result);
      return finish(outcome, txns);  // a definite error: the next txn would meet it too
    }
  }
  outcome.error = "timeout after " + std::to_string(timeout_.count()) + " ms (last: " + outcome.error + ")";
  return finish(outcome, txns);
}

std::optional<std::string> current_leader(const std::map<std::string, std::string>& base_urls,
                                          std::chrono::milliseconds timeout) {
  std::optional<LeaderView> best;
  std::string asked;  // a member that answered, for the member list
  for (const auto& [name, url] : base_urls) {
    const Exchange ex = post(url, status_call(), timeout);
    if (!ex.answered || ex.status != 200) continue;
    const auto view = parse_status(ex.body);
    if (view && (!best || view->term > best->term)) {
      best = view;
      asked = url;
    }
  }
  if (!best) return std::nullopt;
  const Exchange ex = post(asked, member_list_call(), timeout);
  if (!ex.answered || ex.status != 200) return std::nullopt;
  const auto members = parse_members(ex.body);
  const auto it = members.find(best->leader_id);
  if (it == members.end()) return std::nullopt;
  return it->second;
}

}  // namespace faultline::targets::etcd::client
