// The daemon's PMIx server: init, namespace registration, and the server
// module (libpmix calls these on its thread; they post work to the loop).
#include <pmix_server.h>

#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "daemon.hpp"
#include "events.hpp"
#include "cleanup.hpp"
#include "pmix_util.hpp"

namespace parley::launcher {

namespace {

std::string join_ranks(const std::vector<std::uint32_t>& ranks) {
  std::string s;
  for (auto r : ranks) {
    if (!s.empty()) s.push_back(',');
    s.append(std::to_string(r));
  }
  return s;
}

// Directives that come with publish; the rest of the info array is data.
bool is_directive(const char* key) { return std::strncmp(key, "pmix.", 5) == 0; }

// ---- server module, called on libpmix's thread ----

pmix_status_t on_connected(const pmix_proc_t* proc, void*, pmix_op_cbfunc_t, void*) {
  std::uint32_t rank = proc->rank;
  g_daemon->post([rank] {
    if (LocalRank* lr = g_daemon->find_rank(rank)) lr->connected = true;
  });
  return PMIX_OPERATION_SUCCEEDED;
}

pmix_status_t on_finalized(const pmix_proc_t* proc, void*, pmix_op_cbfunc_t, void*) {
  std::uint32_t rank = proc->rank;
  // Posted before the client is released, so before it can exit (see reap()).
  g_daemon->post([rank] {
    if (LocalRank* lr = g_daemon->find_rank(rank)) lr->finalized = true;
  });
  return PMIX_OPERATION_SUCCEEDED;
}

pmix_status_t on_abort(const pmix_proc_t* proc, void*, int status, const char msg[], pmix_proc_t[], size_t,
                       pmix_op_cbfunc_t, void*) {
  std::uint32_t rank = proc->rank;
  std::string text = msg ? msg : "";
  g_daemon->post([rank, status, text] {
    g_daemon->send(MsgType::abort_job, Writer().u32(rank).i32(status).str(text).take());
  });
  return PMIX_OPERATION_SUCCEEDED;
}

pmix_status_t on_fence(const pmix_proc_t procs[], size_t nprocs, const pmix_info_t info[], size_t ninfo,
                       char* data, size_t ndata, pmix_modex_cbfunc_t cbfunc, void* cbdata) {
  bool collect = false;
  for (size_t i = 0; i < ninfo; ++i)
    if (PMIX_CHECK_KEY(&info[i], PMIX_COLLECT_DATA)) collect = PMIX_INFO_TRUE(&info[i]);
  std::vector<std::uint32_t> ranks;  // empty: the whole job
  bool all = false;
  for (size_t i = 0; i < nprocs; ++i) {
    if (procs[i].rank == PMIX_RANK_WILDCARD) all = true;
    else ranks.push_back(procs[i].rank);
  }
  if (all) ranks.clear();
  std::string blob(data ? data : "", data ? ndata : 0);
  g_daemon->post([=, ranks = std::move(ranks), blob = std::move(blob)] {
    std::uint64_t id = g_daemon->next_id();
    g_daemon->add_fence(id, cbfunc, cbdata);
    Writer w;
    w.u64(id).u32(collect).u32(static_cast<std::uint32_t>(ranks.size()));
    for (auto r : ranks) w.u32(r);
    w.str(blob);
    g_daemon->send(MsgType::fence, w.take());
  });
  return PMIX_SUCCESS;
}

pmix_status_t on_dmodex(const pmix_proc_t*, const pmix_info_t[], size_t, pmix_modex_cbfunc_t, void*) {
  // Every daemon holds all of its ranks' data after a fence; fetching a
  // remote rank's data on demand belongs to the multi-node work.
  return PMIX_ERR_NOT_SUPPORTED;
}

pmix_status_t on_publish(const pmix_proc_t* proc, const pmix_info_t info[], size_t ninfo, pmix_op_cbfunc_t cbfunc,
                         void* cbdata) {
  std::vector<std::pair<std::string, std::string>> items;
  for (size_t i = 0; i < ninfo; ++i) {
    if (is_directive(info[i].key)) continue;
    pmix_data_buffer_t buf;
    PMIX_DATA_BUFFER_CONSTRUCT(&buf);
    if (PMIx_Data_pack(nullptr, &buf, const_cast<pmix_value_t*>(&info[i].value), 1, PMIX_VALUE) != PMIX_SUCCESS) {
      PMIX_DATA_BUFFER_DESTRUCT(&buf);
      return PMIX_ERR_BAD_PARAM;
    }
    items.emplace_back(info[i].key, std::string(buf.base_ptr, buf.bytes_used));
    PMIX_DATA_BUFFER_DESTRUCT(&buf);
  }
  std::uint32_t rank = proc->rank;
  g_daemon->post([=, items = std::move(items)] {
    std::uint64_t id = g_daemon->next_id();
    g_daemon->add_op(id, cbfunc, cbdata);
    Writer w;
    w.u64(id).u32(rank).u32(static_cast<std::uint32_t>(items.size()));
    for (const auto& [k, v] : items) w.str(k).str(v);
    g_daemon->send(MsgType::publish, w.take());
  });
  return PMIX_SUCCESS;
}

pmix_status_t on_lookup(const pmix_proc_t* proc, char** keys, const pmix_info_t info[], size_t ninfo,
                        pmix_lookup_cbfunc_t cbfunc, void* cbdata) {
  std::vector<std::string> names;
  for (char** k = keys; k && *k; ++k) names.emplace_back(*k);
  bool wait = false;
  for (size_t i = 0; i < ninfo; ++i)
    if (PMIX_CHECK_KEY(&info[i], PMIX_WAIT)) wait = true;
  std::uint32_t rank = proc->rank;
  g_daemon->post([=, names = std::move(names)] {
    std::uint64_t id = g_daemon->next_id();
    g_daemon->add_lookup(id, cbfunc, cbdata);
    g_daemon->send(MsgType::lookup, Writer().u64(id).u32(rank).u32(wait).strs(names).take());
  });
  return PMIX_SUCCESS;
}

pmix_status_t on_unpublish(const pmix_proc_t* proc, char** keys, const pmix_info_t[], size_t,
                           pmix_op_cbfunc_t cbfunc, void* cbdata) {
  std::vector<std::string> names;
  for (char** k = keys; k && *k; ++k) names.emplace_back(*k);
  std::uint32_t rank = proc->rank;
  g_daemon->post([=, names = std::move(names)] {
    std::uint64_t id = g_daemon->next_id();
    g_daemon->add_op(id, cbfunc, cbdata);
    g_daemon->send(MsgType::unpublish, Writer().u64(id).u32(rank).strs(names).take());
  });
  return PMIX_SUCCESS;
}

pmix_server_module_t g_module = [] {
  pmix_server_module_t m;
  std::memset(&m, 0, sizeof m);
  m.client_connected = on_connected;
  m.client_finalized = on_finalized;
  m.abort = on_abort;
  m.fence_nb = on_fence;
  m.direct_modex = on_dmodex;
  m.publish = on_publish;
  m.lookup = on_lookup;
  m.unpublish = on_unpublish;
  // spawn, connect, disconnect: NULL, which libpmix reports as not supported.
  return m;
}();

void release_blob(void* cbdata) { delete static_cast<std::string*>(cbdata); }

}  // namespace

bool Daemon::start_pmix(std::string& error) {
  std::string templ = tmp_root() + "/parley." + plan_.jobid + ".n" + std::to_string(plan_.node_id) + ".XXXXXX";
  if (!::mkdtemp(templ.data())) {
    error = "cannot create a directory in " + tmp_root() + ": " + std::strerror(errno);
    return false;
  }
  tmpdir_ = templ;
  bool have_topo = topo_.load();
  InfoList info;
  info.add_str(PMIX_SERVER_TMPDIR, tmpdir_);
  info.add_str(PMIX_SYSTEM_TMPDIR, tmpdir_);
  info.add_bool(PMIX_SERVER_TOOL_SUPPORT, false);
  info.add_bool(PMIX_SERVER_SYSTEM_SUPPORT, false);
  info.add_str(PMIX_SERVER_NSPACE, plan_.nspace + "-daemon");
  info.add_rank(PMIX_SERVER_RANK, plan_.node_id);
  info.add_str(PMIX_HOSTNAME, plan_.hostnames[plan_.node_id]);
  info.add_u32(PMIX_NODEID, plan_.node_id);
  // Our topology is not handed to libpmix (PMIX_TOPOLOGY2): with libpmix 4.2
  // that leaves its locality-string generator without a topology (crash).
  (void)have_topo;
  pmix_data_array_t da = info.convert();
  pmix_status_t rc = PMIx_server_init(&g_module, static_cast<pmix_info_t*>(da.array), da.size);
  PMIx_Data_array_destruct(&da);
  if (rc != PMIX_SUCCESS) {
    error = std::string("PMIx_server_init failed: ") + PMIx_Error_string(rc);
    return false;
  }
  pmix_up_ = true;
  return true;
}

bool Daemon::register_job(std::string& error) {
  const LaunchPlan& p = plan_;
  std::vector<std::uint32_t> local = p.ranks_on(p.node_id);
  binding_ = plan_binding(topo_, static_cast<std::uint32_t>(local.size()), p.bind_to, p.map_by);

  InfoList job;
  job.add_u32(PMIX_UNIV_SIZE, p.universe_size);
  job.add_u32(PMIX_JOB_SIZE, p.job_size());
  job.add_u32(PMIX_MAX_PROCS, p.universe_size);
  job.add_str(PMIX_JOBID, p.jobid);
  job.add_u32(PMIX_NUM_NODES, p.num_nodes());
  job.add_u32(PMIX_JOB_NUM_APPS, static_cast<std::uint32_t>(p.apps.size()));
  std::string hosts, ppn;
  for (std::uint32_t n = 0; n < p.num_nodes(); ++n) {
    if (n) {
      hosts.push_back(',');
      ppn.push_back(';');
    }
    hosts.append(p.hostnames[n]);
    ppn.append(join_ranks(p.ranks_on(n)));
  }
  char* regex = nullptr;
  if (PMIx_generate_regex(hosts.c_str(), &regex) == PMIX_SUCCESS && regex) {
    job.add_ptr(PMIX_NODE_MAP, regex, PMIX_REGEX);
    std::free(regex);
  }
  regex = nullptr;
  if (PMIx_generate_ppn(ppn.c_str(), &regex) == PMIX_SUCCESS && regex) {
    job.add_ptr(PMIX_PROC_MAP, regex, PMIX_REGEX);
    std::free(regex);
  }
  // This node.
  job.add_u32(PMIX_LOCAL_SIZE, static_cast<std::uint32_t>(local.size()));
  job.add_u32(PMIX_NODE_SIZE, static_cast<std::uint32_t>(local.size()));
  job.add_str(PMIX_LOCAL_PEERS, join_ranks(local));
  job.add_rank(PMIX_LOCALLDR, local.empty() ? 0 : local.front());
  job.add_u32(PMIX_NODEID, p.node_id);
  job.add_str(PMIX_HOSTNAME, p.hostnames[p.node_id]);
  // Other nodes (multi-node jobs).
  if (p.num_nodes() > 1) {
    for (std::uint32_t n = 0; n < p.num_nodes(); ++n) {
      std::vector<std::uint32_t> there = p.ranks_on(n);
      InfoList node;
      node.add_u32(PMIX_NODEID, n);
      node.add_str(PMIX_HOSTNAME, p.hostnames[n]);
      node.add_u32(PMIX_LOCAL_SIZE, static_cast<std::uint32_t>(there.size()));
      node.add_str(PMIX_LOCAL_PEERS, join_ranks(there));
      node.add_rank(PMIX_LOCALLDR, there.empty() ? 0 : there.front());
      job.add_array(PMIX_NODE_INFO_ARRAY, node);
    }
  }
  for (const auto& a : p.apps) {
    InfoList app;
    app.add_u32(PMIX_APPNUM, a.appnum);
    app.add_u32(PMIX_APP_SIZE, a.size);
    app.add_rank(PMIX_APPLDR, a.first_rank);
    if (!a.wdir.empty()) app.add_str(PMIX_WDIR, a.wdir);
    job.add_array(PMIX_APP_INFO_ARRAY, app);
  }
  // Every rank of the job.
  std::vector<std::uint32_t> node_count(p.num_nodes(), 0);
  for (std::uint32_t r = 0; r < p.job_size(); ++r) {
    std::uint32_t node = p.rank_node[r];
    std::uint32_t lrank = node_count[node]++;
    const PlanApp& a = p.apps[p.rank_app[r]];
    InfoList proc;
    proc.add_rank(PMIX_RANK, r);  // must come first
    proc.add_u32(PMIX_APPNUM, a.appnum);
    proc.add_rank(PMIX_APP_RANK, r - a.first_rank);
    proc.add_rank(PMIX_GLOBAL_RANK, r);
    proc.add_u32(PMIX_APP_SIZE, a.size);
    proc.add_rank(PMIX_APPLDR, a.first_rank);
    proc.add_u16(PMIX_LOCAL_RANK, static_cast<std::uint16_t>(lrank));
    proc.add_u16(PMIX_NODE_RANK, static_cast<std::uint16_t>(lrank));
    proc.add_u32(PMIX_NODEID, node);
    proc.add_str(PMIX_HOSTNAME, p.hostnames[node]);
    if (node == p.node_id && lrank < binding_.size() && binding_[lrank].set) {
      pmix_cpuset_t cs{const_cast<char*>("hwloc"), binding_[lrank].set.get()};
      char* loc = nullptr;
      if (PMIx_server_generate_locality_string(&cs, &loc) == PMIX_SUCCESS && loc) {
        proc.add_str(PMIX_LOCALITY_STRING, loc);
        std::free(loc);
      }
      char* cstr = nullptr;
      if (PMIx_server_generate_cpuset_string(&cs, &cstr) == PMIX_SUCCESS && cstr) {
        proc.add_str(PMIX_CPUSET, cstr);
        std::free(cstr);
      }
    }
    job.add_array(PMIX_PROC_INFO_ARRAY, proc);
  }

  pmix_data_array_t da = job.convert();
  OpWaiter w(1);
  pmix_status_t rc = PMIx_server_register_nspace(p.nspace.c_str(), static_cast<int>(local.size()),
                                                 static_cast<pmix_info_t*>(da.array), da.size, OpWaiter::callback, &w);
  if (rc != PMIX_SUCCESS) w.cancel_one(rc);
  rc = w.wait();
  PMIx_Data_array_destruct(&da);
  if (rc != PMIX_SUCCESS && rc != PMIX_OPERATION_SUCCEEDED) {
    error = std::string("PMIx_server_register_nspace failed: ") + PMIx_Error_string(rc);
    return false;
  }

  ranks_.resize(local.size());
  OpWaiter cw(static_cast<int>(local.size()));
  for (std::size_t i = 0; i < local.size(); ++i) {
    ranks_[i].rank = local[i];
    ranks_[i].local_rank = static_cast<std::uint32_t>(i);
    pmix_proc_t proc;
    PMIX_LOAD_PROCID(&proc, p.nspace.c_str(), local[i]);
    rc = PMIx_server_register_client(&proc, ::getuid(), ::getgid(), nullptr, OpWaiter::callback, &cw);
    if (rc != PMIX_SUCCESS) cw.cancel_one(rc);
  }
  rc = cw.wait();
  if (rc != PMIX_SUCCESS && rc != PMIX_OPERATION_SUCCEEDED) {
    error = std::string("PMIx_server_register_client failed: ") + PMIx_Error_string(rc);
    return false;
  }
  return true;
}

void Daemon::stop_pmix() {
  if (!pmix_up_) return;
  pmix_up_ = false;
  (void)PMIx_server_finalize();
}

void Daemon::raise_dump_event() {
  if (!pmix_up_) return;
  // Owned until libpmix calls back; freed there.
  struct Ctx {
    pmix_info_t info[2];
  };
  auto* ctx = new Ctx;
  PMIX_INFO_CONSTRUCT(&ctx->info[0]);
  PMIX_INFO_CONSTRUCT(&ctx->info[1]);
  bool non_default = true;
  PMIX_INFO_LOAD(&ctx->info[0], PMIX_EVENT_NON_DEFAULT, &non_default, PMIX_BOOL);
  pmix_proc_t job;
  PMIX_LOAD_PROCID(&job, plan_.nspace.c_str(), PMIX_RANK_WILDCARD);
  pmix_data_array_t range{PMIX_PROC, 1, &job};
  PMIX_INFO_LOAD(&ctx->info[1], PMIX_EVENT_CUSTOM_RANGE, &range, PMIX_DATA_ARRAY);
  pmix_proc_t source;
  PMIX_LOAD_PROCID(&source, (plan_.nspace + "-daemon").c_str(), plan_.node_id);
  pmix_status_t rc = PMIx_Notify_event(
      PARLEY_EVENT_DUMP_STATE, &source, PMIX_RANGE_CUSTOM, ctx->info, 2,
      [](pmix_status_t, void* cbdata) {
        auto* c = static_cast<Ctx*>(cbdata);
        PMIX_INFO_DESTRUCT(&c->info[0]);
        PMIX_INFO_DESTRUCT(&c->info[1]);
        delete c;
        g_daemon->post([] { g_daemon->send(MsgType::dump_sent, {}); });
      },
      ctx);
  if (rc != PMIX_SUCCESS) {
    PMIX_INFO_DESTRUCT(&ctx->info[0]);
    PMIX_INFO_DESTRUCT(&ctx->info[1]);
    delete ctx;
    send(MsgType::dump_sent, {});
  }
}

void Daemon::complete_fence(Reader& r) {
  std::uint64_t id = r.u64();
  pmix_status_t status = r.i32();
  std::string data = r.str();
  if (!r.failed()) finish_fence(id, status, std::move(data));
}

void Daemon::finish_fence(std::uint64_t id, int status, std::string data) {
  auto it = fences_.find(id);
  if (it == fences_.end()) return;
  auto* blob = new std::string(std::move(data));
  FenceCb cb = it->second;
  fences_.erase(it);
  cb.cb(status, blob->data(), blob->size(), cb.cbdata, release_blob, blob);
}

void Daemon::complete_op(Reader& r) {
  std::uint64_t id = r.u64();
  pmix_status_t status = r.i32();
  auto it = ops_.find(id);
  if (it == ops_.end()) return;
  OpCb cb = it->second;
  ops_.erase(it);
  if (cb.cb) cb.cb(status, cb.cbdata);
}

void Daemon::complete_lookup(Reader& r) {
  std::uint64_t id = r.u64();
  pmix_status_t status = r.i32();
  std::uint32_t n = r.u32();
  auto it = lookups_.find(id);
  if (it == lookups_.end() || r.failed()) return;
  LookupCb cb = it->second;
  lookups_.erase(it);
  pmix_pdata_t* pd = nullptr;
  if (n > 0) PMIX_PDATA_CREATE(pd, n);
  std::size_t got = 0;
  for (std::uint32_t i = 0; i < n && !r.failed(); ++i) {
    std::string key = r.str();
    std::string blob = r.str();
    std::string pub_nspace = r.str();
    std::uint32_t pub_rank = r.u32();
    pmix_data_buffer_t buf;
    PMIX_DATA_BUFFER_CONSTRUCT(&buf);
    PMIX_DATA_BUFFER_LOAD(&buf, blob.data(), blob.size());
    int32_t cnt = 1;
    pmix_status_t rc = PMIx_Data_unpack(nullptr, &buf, &pd[got].value, &cnt, PMIX_VALUE);
    buf.base_ptr = nullptr;  // the bytes belong to `blob`
    PMIX_DATA_BUFFER_DESTRUCT(&buf);
    if (rc != PMIX_SUCCESS) continue;
    PMIX_LOAD_PROCID(&pd[got].proc, pub_nspace.c_str(), pub_rank);
    PMIX_LOAD_KEY(pd[got].key, key.c_str());
    ++got;
  }
  if (got == 0 && status == PMIX_SUCCESS) status = PMIX_ERR_NOT_FOUND;
  cb.cb(status, pd, got, cb.cbdata);
  if (pd) PMIX_PDATA_FREE(pd, n);
}

}  // namespace parley::launcher
