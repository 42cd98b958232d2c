#include "hook/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <syslog.h>

#include <filesystem>

#include "common/error.h"

namespace vxnet::hook {

void SetupLogging(const engine::Config& config) {
  std::vector<spdlog::sink_ptr> sinks;
  try {
    auto syslog = std::make_shared<spdlog::sinks::syslog_sink_mt>("vxnet", LOG_PID, LOG_DAEMON, false);
    syslog->set_pattern("%v");
    sinks.push_back(syslog);
  } catch (const std::exception&) {
  }
  try {
    const std::filesystem::path file(config.log_file);
    std::error_code ec;
    if (!std::filesystem::exists(file.parent_path(), ec)) {
      std::filesystem::create_directories(file.parent_path(), ec);
      chmod(file.parent_path().c_str(), 0750);
    }
    auto file_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.log_file, false);
    file_sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z vxnet[%P] %l: %v");
    sinks.push_back(file_sink);
  } catch (const std::exception&) {
    // Unwritable log file: syslog still has it.
  }
  auto logger = std::make_shared<spdlog::logger>("vxnet", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(config.log_level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void LogRun(const std::string& role, const std::string& target, const std::string& operation, const Outcome& outcome,
            std::chrono::milliseconds duration) {
  const std::string who = role + "=" + Printable(target) + " op=" + Printable(operation, 32);
  for (const auto& warning : outcome.warnings) spdlog::warn("{} warning: {}", who, Printable(warning, 400));
  if (!outcome.managed && outcome.exit_status == 0 && outcome.message.empty()) {
    spdlog::debug("{} outcome=not-managed duration_ms={}", who, duration.count());
    return;
  }
  for (const auto& note : outcome.notes) spdlog::info("{} note: {}", who, Printable(note, 400));
  for (const auto& change : outcome.changes) spdlog::debug("{} change: {}", who, change);
  if (!outcome.phases.empty()) spdlog::debug("{} phases: {}", who, outcome.phases);
  if (outcome.exit_status == 0 && outcome.message.empty()) {
    spdlog::info("{} outcome=ok changes={} duration_ms={}", who, outcome.changes.size(), duration.count());
  } else {
    const char* verdict = outcome.exit_status == 0 ? "failed-ignored" : "refused";
    spdlog::error("{} outcome={} duration_ms={} error=\"{}\"", who, verdict, duration.count(),
                  Printable(outcome.message, 400));
  }
}

void LogEscaped(const std::vector<std::string>& args, std::exception_ptr error) {
  std::string what = "unknown exception";
  try {
    if (error) std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  std::string call;
  for (const auto& a : args) call += (call.empty() ? "" : " ") + Printable(a, 64);
  spdlog::error("call=\"{}\" outcome=internal-error-ignored error=\"{}\" (exit 0: not known to be vxnet's; please report it)",
                call, Printable(what, 300));
}

}  // namespace vxnet::hook
