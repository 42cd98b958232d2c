// In-process parts with Google Benchmark: reading hook stdin, planning, and
// building the one transaction, for N peers.
#include <benchmark/benchmark.h>

#include "ovs/plan.h"
#include "xml/hook_data.h"

namespace {

vxnet::NetworkSpec Spec(int n) {
  vxnet::NetworkSpec s;
  s.vni = 100;
  for (int i = 0; i < n; ++i)
    s.peers.push_back(*vxnet::IpAddress::Parse("198.18." + std::to_string(1 + i / 250) + "." + std::to_string(i % 250 + 2)));
  return s;
}

void BM_ParseHookData(benchmark::State& state) {
  const std::string text = "<hookData>" + vxnet::FormatNetworkXml(Spec(static_cast<int>(state.range(0)))) + "</hookData>";
  for (auto _ : state) benchmark::DoNotOptimize(vxnet::ParseHookData(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseHookData)->Arg(1)->Arg(128)->Arg(1024);

void BM_PlanAndBuildTransaction(benchmark::State& state) {
  const auto desired = vxnet::ovs::DesiredFromSpec(Spec(static_cast<int>(state.range(0))), 1450);
  vxnet::ovs::OvsState empty;
  empty.root_uuid = "root";
  for (auto _ : state) {
    auto plan = vxnet::ovs::PlanReconcile(desired, empty);
    benchmark::DoNotOptimize(vxnet::ovs::BuildTransaction(plan, desired, empty).Text());
  }
}
BENCHMARK(BM_PlanAndBuildTransaction)->Arg(1)->Arg(128)->Arg(1024);

// The parts of the above: plan, build (the text is written as it is
// built), and taking the text to send.
void BM_PlanOnly(benchmark::State& state) {
  const auto desired = vxnet::ovs::DesiredFromSpec(Spec(static_cast<int>(state.range(0))), 1450);
  vxnet::ovs::OvsState empty;
  empty.root_uuid = "root";
  for (auto _ : state) benchmark::DoNotOptimize(vxnet::ovs::PlanReconcile(desired, empty));
}
BENCHMARK(BM_PlanOnly)->Arg(128)->Arg(1024);

void BM_BuildOnly(benchmark::State& state) {
  const auto desired = vxnet::ovs::DesiredFromSpec(Spec(static_cast<int>(state.range(0))), 1450);
  vxnet::ovs::OvsState empty;
  empty.root_uuid = "root";
  const auto plan = vxnet::ovs::PlanReconcile(desired, empty);
  for (auto _ : state) benchmark::DoNotOptimize(vxnet::ovs::BuildTransaction(plan, desired, empty));
}
BENCHMARK(BM_BuildOnly)->Arg(128)->Arg(1024);

void BM_SerialiseOnly(benchmark::State& state) {
  const auto desired = vxnet::ovs::DesiredFromSpec(Spec(static_cast<int>(state.range(0))), 1450);
  vxnet::ovs::OvsState empty;
  empty.root_uuid = "root";
  const auto ops = vxnet::ovs::BuildTransaction(vxnet::ovs::PlanReconcile(desired, empty), desired, empty);
  for (auto _ : state) benchmark::DoNotOptimize(ops.Text());
}
BENCHMARK(BM_SerialiseOnly)->Arg(128)->Arg(1024);

void BM_FormatNetworkXml(benchmark::State& state) {
  const auto spec = Spec(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(vxnet::FormatNetworkXml(spec));
}
BENCHMARK(BM_FormatNetworkXml)->Arg(1)->Arg(1024);

}  // namespace

BENCHMARK_MAIN();
