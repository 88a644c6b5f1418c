#include "graph/task_trace.hpp"

#include <oneapi/tbb/task_arena.h>

#include <cinttypes>
#include <cstdio>
#include <ctime>
#include <exception>

#include "core/json_text.hpp"
#include "graph/clock.hpp"

namespace sluice::detail {

namespace {

std::int64_t thread_cpu_ns() {
  timespec now{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) return 0;
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// The trace format counts in microseconds; three decimals keep nanoseconds.
std::string microseconds(std::int64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%" PRId64 ".%03d", ns / 1000, static_cast<int>(ns % 1000));
  return text;
}

}  // namespace

Result<std::unique_ptr<TaskTrace>> TaskTrace::create(const std::string& path,
                                                     const std::string& pipeline) {
  auto file = DurableFile::create(path);
  if (!file) return file.status().with_context("--trace");
  std::unique_ptr<TaskTrace> trace(new TaskTrace(std::move(file).value(), now_ns()));
  std::string head = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  head += R"({"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":)";
  append_json_string(head, "sluice run " + pipeline);
  head += "}}";
  std::lock_guard lock(trace->mutex_);
  trace->append(head);
  if (!trace->error_.ok()) return trace->error_;
  return trace;
}

TaskTrace::TaskTrace(DurableFile file, std::int64_t origin_ns)
    : file_(std::move(file)), origin_ns_(origin_ns) {}

std::size_t TaskTrace::add_task_name(std::string name) {
  std::string literal;
  append_json_string(literal, name);
  task_names_.push_back(std::move(literal));
  return task_names_.size() - 1;
}

TaskTrace::Start TaskTrace::begin() noexcept { return {now_ns(), thread_cpu_ns()}; }

void TaskTrace::end(const Start& start, std::size_t task_name, std::uint64_t batch,
                    std::uint64_t rows, std::uint64_t bytes) noexcept {
  const std::int64_t wall_end = now_ns();
  const std::int64_t cpu = thread_cpu_ns() - start.cpu_ns;
  // Worker 0 is the thread that called Pipeline::run; the others are oneTBB's.
  const int worker = oneapi::tbb::this_task_arena::current_thread_index();
  try {
    std::string event = ",\n{\"name\":";
    event += task_names_.at(task_name);
    event += ",\"ph\":\"X\",\"pid\":1,\"tid\":" + std::to_string(worker);
    event += ",\"ts\":" + microseconds(start.wall_ns - origin_ns_);
    event += ",\"dur\":" + microseconds(wall_end - start.wall_ns);
    event += ",\"args\":{\"batch\":" + std::to_string(batch);
    event += ",\"rows\":" + std::to_string(rows);
    event += ",\"bytes\":" + std::to_string(bytes);
    event += ",\"cpu_us\":" + microseconds(cpu) + "}}";
    std::lock_guard lock(mutex_);
    append(event);
  } catch (...) {
    // Out of memory while formatting: drop this event rather than disturb the run.
  }
}

void TaskTrace::append(const std::string& text) {
  if (!error_.ok()) return;
  try {
    file_.write(text);
  } catch (const Error& error) {
    error_ = error.status();
    file_.discard();
  } catch (const std::exception& error) {
    error_ = Status(StatusCode::io_error, error.what());
    file_.discard();
  }
}

Status TaskTrace::finish(int workers) {
  std::lock_guard lock(mutex_);
  for (int worker = 0; worker < workers; ++worker) {
    std::string row = ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" +
                      std::to_string(worker) + ",\"args\":{\"name\":\"worker " +
                      std::to_string(worker) + "\"}}";
    append(row);
  }
  append("\n]}\n");
  if (!error_.ok()) return error_.with_context("trace not written");
  return file_.commit();
}

}  // namespace sluice::detail
