#include "graph/running_graph.hpp"

#include <oneapi/tbb/flow_graph.h>

#include <exception>
#include <tuple>

#include "graph/clock.hpp"
#include "graph/message.hpp"
#include "graph/task_trace.hpp"

namespace sluice::detail {

namespace flow = oneapi::tbb::flow;

namespace {

std::uint64_t elapsed_since(std::int64_t start_ns) {
  const std::int64_t now = now_ns();
  return now > start_ns ? static_cast<std::uint64_t>(now - start_ns) : 0;
}

using SerialNode = flow::multifunction_node<Message, std::tuple<Message>>;

/// Sends the batches a serial step emits, numbering them in emission order (which is source
/// order, because the step sees its input in order).
class SerialEmitter final : public Emitter {
 public:
  SerialEmitter(SerialNode::output_ports_type& ports, std::uint64_t& next_seq,
                std::shared_ptr<InFlightBudget::Ticket> ticket, const SourcePosition* position,
                NodeMetrics* out_metrics)
      : ports_(ports),
        next_seq_(next_seq),
        ticket_(std::move(ticket)),
        position_(position),
        out_metrics_(out_metrics) {}

  void emit(Batch batch) override {
    if (!batch.position.source && position_ != nullptr) batch.position = *position_;
    if (out_metrics_ != nullptr) {
      NodeMetrics::add(out_metrics_->batches_out, 1);
      NodeMetrics::add(out_metrics_->rows_out, batch.item_count());
      NodeMetrics::add(out_metrics_->bytes_out, batch.byte_count());
    }
    Message message;
    message.batch = std::make_shared<const Batch>(std::move(batch));
    message.seq = next_seq_++;
    message.ticket = ticket_;
    message.sent_ns = now_ns();
    std::get<0>(ports_).try_put(message);
  }

 private:
  SerialNode::output_ports_type& ports_;
  std::uint64_t& next_seq_;
  std::shared_ptr<InFlightBudget::Ticket> ticket_;
  const SourcePosition* position_;
  NodeMetrics* out_metrics_;
};

void count_in(NodeMetrics& metrics, const Message& message) {
  NodeMetrics::add(metrics.batches_in, 1);
  NodeMetrics::add(metrics.rows_in, message.batch->item_count());
  NodeMetrics::add(metrics.bytes_in, message.batch->byte_count());
  NodeMetrics::add(metrics.waiting_ns, elapsed_since(message.sent_ns));
}

void count_out(NodeMetrics& metrics, const Batch& batch) {
  NodeMetrics::add(metrics.batches_out, 1);
  NodeMetrics::add(metrics.rows_out, batch.item_count());
  NodeMetrics::add(metrics.bytes_out, batch.byte_count());
}

}  // namespace

bool FailureSlot::record(Status status) {
  std::lock_guard lock(mutex_);
  if (failed_.load(std::memory_order_relaxed)) return false;
  status_ = std::move(status);
  failed_.store(true, std::memory_order_release);
  return true;
}

Status FailureSlot::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

struct RunningGraph::Impl {
  Impl(std::vector<NodeSlot>& slots, std::size_t max_in_flight, std::atomic<bool>& cancelled,
       FailureSlot& failure, TaskTrace* trace)
      : slots(slots),
        max_in_flight(max_in_flight),
        cancelled(cancelled),
        failure(failure),
        trace(trace) {}

  std::vector<NodeSlot>& slots;
  std::size_t max_in_flight;
  std::atomic<bool>& cancelled;
  FailureSlot& failure;
  TaskTrace* trace;  // null unless the run is traced

  oneapi::tbb::task_group_context context;
  flow::graph graph{context};
  // Budgets outlive the flow-graph nodes: messages still buffered in a node when the graph is torn
  // down release their tickets during the node's destruction.
  std::vector<std::unique_ptr<InFlightBudget>> budgets;
  std::vector<std::unique_ptr<flow::graph_node>> owned;
  std::vector<flow::input_node<Message>*> sources;
  std::vector<flow::sender<Message>*> outputs;               // per slot; null for sinks
  std::vector<std::vector<flow::receiver<Message>*>> ports;  // per slot, per input port
  std::vector<std::unique_ptr<std::uint64_t>> counters;      // sequence counters of steps
  std::vector<std::function<void()>> finishers;              // serial finish() calls, in order

  template <typename T, typename... Args>
  T* make(Args&&... args) {
    auto node = std::make_unique<T>(std::forward<Args>(args)...);
    T* raw = node.get();
    owned.push_back(std::move(node));
    return raw;
  }

  bool stopping() const noexcept {
    return failure.failed() || cancelled.load(std::memory_order_relaxed);
  }

  /// Records the exception currently being handled as this node's failure and stops the graph.
  void fail(const NodeSlot& slot, const Batch* batch) {
    Status status;
    try {
      throw;
    } catch (const Error& error) {
      status = error.status();
    } catch (const std::exception& error) {
      status = Status(StatusCode::internal, error.what());
    } catch (...) {
      status = Status(StatusCode::internal, "unknown exception");
    }
    std::string where = "node '" + slot.spec->id + "' (" + slot.spec->type + ") failed";
    if (batch != nullptr && batch->position.source) where += " on " + *batch->position.source;
    if (failure.record(status.with_context(where))) graph.cancel();
  }

  /// The trace's name for one step of a slot: the node id, plus the step kind when the node has
  /// more than one step (csv_parse frames serially, then splits in parallel).
  std::size_t trace_name(std::size_t slot_index, const char* kind) {
    if (trace == nullptr) return 0;
    const NodeSlot& slot = slots[slot_index];
    std::string name = slot.spec->id;
    if (slot.steps.size() > 1) name += std::string(" (") + kind + ")";
    return trace->add_task_name(std::move(name));
  }

  TaskTrace::Start trace_begin() const {
    return trace != nullptr ? TaskTrace::begin() : TaskTrace::Start{};
  }

  /// Records a finished task in the trace, if there is one; `batch` is what the task worked on.
  void trace_end(const TaskTrace::Start& started, std::size_t name, std::uint64_t seq,
                 const Batch* batch) const {
    if (trace == nullptr) return;
    trace->end(started, name, seq, batch != nullptr ? batch->item_count() : 0,
               batch != nullptr ? batch->byte_count() : 0);
  }

  std::uint64_t* new_counter() {
    counters.push_back(std::make_unique<std::uint64_t>(0));
    return counters.back().get();
  }

  // ---- one builder per step kind; each returns the step's receiver (null for a source) and sets
  // `out` to its sender ----

  flow::sender<Message>* build_source(std::size_t slot_index, const SourceStep& step, bool last) {
    std::uint64_t* seq = new_counter();
    const std::size_t traced_as = trace_name(slot_index, "source");
    auto* input = make<flow::input_node<Message>>(
        graph,
        [this, slot_index, step, last, seq, traced_as](oneapi::tbb::flow_control& control) -> Message {
          NodeSlot& slot = slots[slot_index];
          if (stopping()) {
            control.stop();
            return {};
          }
          Batch batch;
          const TaskTrace::Start traced = trace_begin();
          const std::int64_t start = now_ns();
          bool more = false;
          bool failed = false;
          try {
            more = step.next(batch);
          } catch (...) {
            fail(slot, nullptr);
            failed = true;
          }
          trace_end(traced, traced_as, *seq, failed ? nullptr : &batch);
          if (failed) {
            control.stop();
            return {};
          }
          NodeMetrics::add(slot.metrics->busy_ns, elapsed_since(start));
          if (!more) {
            control.stop();
            return {};
          }
          if (last) count_out(*slot.metrics, batch);
          Message message;
          message.batch = std::make_shared<const Batch>(std::move(batch));
          message.seq = (*seq)++;
          message.sent_ns = now_ns();
          return message;
        });
    sources.push_back(input);

    // The limiter admits at most max_in_flight batches; each admitted batch gets a ticket whose
    // release (when the last message derived from it is destroyed) lets the next one in.
    auto* limiter = make<flow::limiter_node<Message, long long>>(graph, max_in_flight);
    budgets.push_back(std::make_unique<InFlightBudget>(
        [limiter] { limiter->decrementer().try_put(1); }));
    InFlightBudget* budget = budgets.back().get();
    auto* admit = make<flow::function_node<Message, Message>>(
        graph, flow::serial, [budget](Message message) {
          if (message.batch) message.ticket = budget->acquire();
          return message;
        });
    flow::make_edge(*input, *limiter);
    flow::make_edge(*limiter, *admit);
    return admit;
  }

  flow::function_node<Message, Message>* build_map(std::size_t slot_index, const MapStep& step,
                                                   bool first, bool last) {
    const std::size_t traced_as = trace_name(slot_index, "map");
    return make<flow::function_node<Message, Message>>(
        graph, flow::unlimited, [this, slot_index, step, first, last, traced_as](const Message& in) {
          NodeSlot& slot = slots[slot_index];
          if (!in.batch || stopping()) return Message{};
          if (first) count_in(*slot.metrics, in);
          const TaskTrace::Start traced = trace_begin();
          const std::int64_t start = now_ns();
          Batch out;
          bool failed = false;
          try {
            out = step.process(*in.batch, BatchInfo{in.seq});
          } catch (...) {
            fail(slot, in.batch.get());
            failed = true;
          }
          trace_end(traced, traced_as, in.seq, in.batch.get());
          if (failed) return Message{};
          if (!out.position.source) out.position = in.batch->position;
          if (last) count_out(*slot.metrics, out);
          NodeMetrics::add(slot.metrics->busy_ns, elapsed_since(start));
          Message message;
          message.batch = std::make_shared<const Batch>(std::move(out));
          message.seq = in.seq;
          message.ticket = in.ticket;
          message.sent_ns = now_ns();
          return message;
        });
  }

  SerialNode* build_serial(std::size_t slot_index, const SerialStep& step, bool first, bool last) {
    std::uint64_t* seq = new_counter();
    const std::size_t traced_as = trace_name(slot_index, "serial");
    auto* node = make<SerialNode>(
        graph, flow::serial,
        [this, slot_index, step, first, last, seq, traced_as](
            const Message& in, SerialNode::output_ports_type& ports) {
          NodeSlot& slot = slots[slot_index];
          if (!in.batch || stopping()) return;
          if (first) count_in(*slot.metrics, in);
          const TaskTrace::Start traced = trace_begin();
          const std::int64_t start = now_ns();
          SerialEmitter emitter(ports, *seq, in.ticket, &in.batch->position,
                                last ? slot.metrics : nullptr);
          try {
            step.process(in.port, *in.batch, emitter);
          } catch (...) {
            fail(slot, in.batch.get());
          }
          NodeMetrics::add(slot.metrics->busy_ns, elapsed_since(start));
          trace_end(traced, traced_as, in.seq, in.batch.get());
        });
    if (step.finish) {
      const std::size_t finish_traced_as = trace_name(slot_index, "finish");
      finishers.push_back([this, slot_index, node, step, last, seq, finish_traced_as] {
        NodeSlot& slot = slots[slot_index];
        const TaskTrace::Start traced = trace_begin();
        const std::int64_t start = now_ns();
        SerialEmitter emitter(node->output_ports(), *seq, nullptr, nullptr,
                              last ? slot.metrics : nullptr);
        try {
          step.finish(emitter);
        } catch (...) {
          fail(slot, nullptr);
        }
        NodeMetrics::add(slot.metrics->busy_ns, elapsed_since(start));
        trace_end(traced, finish_traced_as, *seq, nullptr);
      });
    }
    return node;
  }

  /// A sequencer in front of `target`: serial steps see each input in source order.
  flow::receiver<Message>* ordered_entry(flow::receiver<Message>& target, std::uint32_t port,
                                         bool stamp_port) {
    auto* sequencer = make<flow::sequencer_node<Message>>(
        graph, [](const Message& message) { return static_cast<std::size_t>(message.seq); });
    flow::make_edge(*sequencer, target);
    if (!stamp_port) return sequencer;
    // Several inputs share one serial body; the port number tells the step which one a batch
    // came from. Stamped before sequencing, since sequence numbers are per input.
    auto* stamp = make<flow::function_node<Message, Message>>(
        graph, flow::unlimited, [port](Message message) {
          message.port = port;
          return message;
        });
    flow::make_edge(*stamp, *sequencer);
    return stamp;
  }

  void build_slot(std::size_t slot_index) {
    NodeSlot& slot = slots[slot_index];
    const std::size_t port_count = slot.input_slots.size();
    ports[slot_index].assign(port_count, nullptr);
    flow::sender<Message>* previous = nullptr;
    for (std::size_t i = 0; i < slot.steps.size(); ++i) {
      const bool first = i == 0;
      const bool last = i + 1 == slot.steps.size();
      const Step& step = slot.steps[i];
      if (const auto* source = std::get_if<SourceStep>(&step)) {
        if (!first || port_count != 0) {
          throw Error(StatusCode::internal, "node '" + slot.spec->id +
                                                "': a source step must be the only entry of a "
                                                "node without inputs");
        }
        previous = build_source(slot_index, *source, last);
      } else if (const auto* map = std::get_if<MapStep>(&step)) {
        auto* node = build_map(slot_index, *map, first, last);
        if (first) {
          if (port_count != 1) {
            throw Error(StatusCode::internal,
                        "node '" + slot.spec->id + "' starts with a map step, which takes exactly "
                        "one input");
          }
          ports[slot_index][0] = node;
        } else {
          flow::make_edge(*previous, *node);
        }
        previous = node;
      } else {
        const auto& serial = std::get<SerialStep>(step);
        auto* node = build_serial(slot_index, serial, first, last);
        if (first) {
          for (std::size_t p = 0; p < port_count; ++p) {
            ports[slot_index][p] =
                ordered_entry(*node, static_cast<std::uint32_t>(p), port_count > 1);
          }
        } else {
          flow::make_edge(*previous, *ordered_entry(*node, 0, false));
        }
        previous = &flow::output_port<0>(*node);
      }
    }
    outputs[slot_index] = previous;
  }

  void build() {
    outputs.assign(slots.size(), nullptr);
    ports.assign(slots.size(), {});
    for (std::size_t i = 0; i < slots.size(); ++i) build_slot(i);
    for (std::size_t i = 0; i < slots.size(); ++i) {
      for (std::size_t p = 0; p < slots[i].input_slots.size(); ++p) {
        flow::sender<Message>* upstream = outputs[slots[i].input_slots[p]];
        if (upstream == nullptr || ports[i][p] == nullptr) {
          throw Error(StatusCode::internal, "node '" + slots[i].spec->id + "' input " +
                                                std::to_string(p + 1) + " cannot be connected");
        }
        flow::make_edge(*upstream, *ports[i][p]);
      }
    }
  }
};

RunningGraph::RunningGraph(std::vector<NodeSlot>& slots, std::size_t max_in_flight,
                           std::atomic<bool>& cancelled, FailureSlot& failure, TaskTrace* trace)
    : impl_(std::make_unique<Impl>(slots, max_in_flight, cancelled, failure, trace)) {
  impl_->build();
}

RunningGraph::~RunningGraph() {
  for (auto& budget : impl_->budgets) budget->close();
  impl_->graph.wait_for_all();
}

void RunningGraph::run() {
  for (auto* source : impl_->sources) source->activate();
  impl_->graph.wait_for_all();
  // Finish phase: every serial step's finish() runs once all of its upstream is drained and
  // finished, in topological order; what it emits flows on before the next one is called.
  for (auto& finish : impl_->finishers) {
    if (impl_->stopping()) break;
    finish();
    impl_->graph.wait_for_all();
  }
}

void RunningGraph::cancel() noexcept { impl_->graph.cancel(); }

std::size_t RunningGraph::peak_in_flight() const noexcept {
  std::size_t peak = 0;
  for (const auto& budget : impl_->budgets) peak = std::max(peak, budget->peak());
  return peak;
}

}  // namespace sluice::detail
