#include "support/test_nodes.hpp"

#include <chrono>
#include <thread>

namespace sluice::testing {

namespace {

void note_max(std::atomic<std::int64_t>& target, std::int64_t value) {
  std::int64_t seen = target.load();
  while (value > seen && !target.compare_exchange_weak(seen, value)) {
  }
}

std::shared_ptr<const Columns> id_text_columns() {
  static const auto columns = [] {
    auto c = std::make_shared<Columns>();
    c->names = {"id", "text"};
    return std::shared_ptr<const Columns>(c);
  }();
  return columns;
}

std::uint64_t parse_id(std::string_view field) {
  std::uint64_t id = 0;
  for (char c : field) id = id * 10 + static_cast<std::uint64_t>(c - '0');
  return id;
}

class RowsSource final : public Node {
 public:
  RowsSource(std::uint64_t rows, std::uint64_t batch_rows) : rows_(rows), batch_rows_(batch_rows) {}
  NodeShape shape() const override { return NodeShape::source(PayloadKind::rows); }
  std::vector<Step> steps() override {
    return {SourceStep{[this](Batch& out) {
      auto& seen = observations();
      note_max(seen.max_outstanding, seen.produced.load() - seen.consumed.load());
      if (next_ >= rows_) return false;
      RowBatch batch(id_text_columns());
      const std::uint64_t end = std::min(rows_, next_ + batch_rows_);
      for (; next_ < end; ++next_) {
        const std::string_view id = batch.arena().store(std::to_string(next_));
        const std::string_view text = batch.arena().store("row " + std::to_string(next_));
        const std::string_view fields[] = {id, text};
        batch.add_row(fields, next_ + 2);
      }
      out.payload = std::move(batch);
      seen.produced.fetch_add(1);
      return true;
    }}};
  }

 private:
  std::uint64_t rows_, batch_rows_, next_ = 0;
};

class CollectRows final : public Node {
 public:
  explicit CollectRows(std::string key) : key_(std::move(key)) {}
  NodeShape shape() const override { return NodeShape::sink(PayloadKind::rows); }
  std::vector<Step> steps() override {
    SerialStep step;
    step.process = [this](std::size_t, const Batch& in, Emitter&) {
      auto& seen = observations();
      std::lock_guard lock(seen.mutex);
      auto& ids = seen.row_ids[key_];
      const RowBatch& rows = in.rows();
      for (std::size_t r = 0; r < rows.size(); ++r) ids.push_back(parse_id(rows.field(r, 0)));
      seen.consumed.fetch_add(1);
    };
    return {step};
  }

 private:
  std::string key_;
};

class CollectBytes final : public Node {
 public:
  explicit CollectBytes(std::string key) : key_(std::move(key)) {}
  NodeShape shape() const override { return NodeShape::sink(PayloadKind::bytes); }
  std::vector<Step> steps() override {
    SerialStep step;
    step.process = [this](std::size_t, const Batch& in, Emitter&) {
      auto& seen = observations();
      std::lock_guard lock(seen.mutex);
      seen.bytes[key_].append(in.chunk().bytes);
    };
    return {step};
  }

 private:
  std::string key_;
};

class CollectRecords final : public Node {
 public:
  explicit CollectRecords(std::string key) : key_(std::move(key)) {}
  NodeShape shape() const override { return NodeShape::sink(PayloadKind::records); }
  std::vector<Step> steps() override {
    SerialStep step;
    step.process = [this](std::size_t, const Batch& in, Emitter&) {
      auto& seen = observations();
      std::lock_guard lock(seen.mutex);
      for (const auto& record : in.records().records) seen.records[key_].push_back(record.json);
    };
    return {step};
  }

 private:
  std::string key_;
};

class Shuffle final : public Node {
 public:
  NodeShape shape() const override { return NodeShape::transform(PayloadKind::rows, PayloadKind::rows); }
  std::vector<Step> steps() override {
    MapStep step;
    step.process = [](const Batch& in, const BatchInfo& info) {
      // Deterministic but uneven delays, so parallel batches finish out of order.
      const auto micros = (info.seq * 7919) % 400;
      std::this_thread::sleep_for(std::chrono::microseconds(micros));
      Batch out;
      RowBatch rows(in.rows().columns());
      rows.keep_alive_all(in.rows());
      for (std::size_t r = 0; r < in.rows().size(); ++r) {
        rows.add_row(in.rows().row(r), in.rows().row_number(r));
      }
      out.payload = std::move(rows);
      return out;
    };
    return {step};
  }
};

class FailAt final : public Node {
 public:
  explicit FailAt(std::uint64_t row) : row_(row) {}
  NodeShape shape() const override { return NodeShape::transform(PayloadKind::rows, PayloadKind::rows); }
  std::vector<Step> steps() override {
    MapStep step;
    step.process = [this](const Batch& in, const BatchInfo&) {
      const RowBatch& rows = in.rows();
      for (std::size_t r = 0; r < rows.size(); ++r) {
        if (parse_id(rows.field(r, 0)) == row_) {
          throw Error(StatusCode::data_error, "row " + std::to_string(rows.row_number(r)) +
                                                  ": refusing id " + std::to_string(row_));
        }
      }
      Batch out;
      RowBatch copy(rows.columns());
      copy.keep_alive_all(rows);
      for (std::size_t r = 0; r < rows.size(); ++r) copy.add_row(rows.row(r), rows.row_number(r));
      out.payload = std::move(copy);
      return out;
    };
    return {step};
  }

 private:
  std::uint64_t row_;
};

class Merge final : public Node {
 public:
  NodeShape shape() const override {
    NodeShape shape;
    shape.inputs = {{PayloadKind::rows}};
    shape.variadic_last_input = true;
    shape.output = PayloadKind::rows;
    return shape;
  }
  std::vector<Step> steps() override {
    SerialStep step;
    step.process = [](std::size_t, const Batch& in, Emitter& out) {
      RowBatch copy(in.rows().columns());
      copy.keep_alive_all(in.rows());
      for (std::size_t r = 0; r < in.rows().size(); ++r) {
        copy.add_row(in.rows().row(r), in.rows().row_number(r));
      }
      Batch batch;
      batch.payload = std::move(copy);
      out.emit(std::move(batch));
    };
    return {step};
  }
};

template <typename T, typename... Args>
Result<std::unique_ptr<Node>> make_node(Args&&... args) {
  return std::unique_ptr<Node>(std::make_unique<T>(std::forward<Args>(args)...));
}

}  // namespace

void Observations::clear() {
  std::lock_guard lock(mutex);
  row_ids.clear();
  bytes.clear();
  records.clear();
  produced = 0;
  consumed = 0;
  max_outstanding = 0;
}

Observations& observations() {
  static Observations instance;
  return instance;
}

NodeRegistry test_registry() {
  NodeRegistry registry = builtin_registry();
  auto add = [&](NodeType type) {
    Status status = registry.add(std::move(type));
    if (!status.ok()) throw std::logic_error(status.message());
  };
  add({"test_rows", NodeRole::source, "numbered rows",
       {option_with_default("rows", OptionType::integer, "100", "rows"),
        option_with_default("batch_rows", OptionType::integer, "10", "rows per batch")},
       [](const NodeOptions& o) {
         return make_node<RowsSource>(static_cast<std::uint64_t>(o.get_integer("rows")),
                                      static_cast<std::uint64_t>(o.get_integer("batch_rows")));
       }});
  add({"test_collect_rows", NodeRole::sink, "records row ids",
       {required_option("key", OptionType::string, "key")},
       [](const NodeOptions& o) { return make_node<CollectRows>(o.get_string("key")); }});
  add({"test_collect_bytes", NodeRole::sink, "records bytes",
       {required_option("key", OptionType::string, "key")},
       [](const NodeOptions& o) { return make_node<CollectBytes>(o.get_string("key")); }});
  add({"test_collect_records", NodeRole::sink, "records JSON records",
       {required_option("key", OptionType::string, "key")},
       [](const NodeOptions& o) { return make_node<CollectRecords>(o.get_string("key")); }});
  add({"test_shuffle", NodeRole::transform, "uneven delays", {},
       [](const NodeOptions&) { return make_node<Shuffle>(); }});
  add({"test_fail_at", NodeRole::transform, "throws at a row id",
       {required_option("row", OptionType::integer, "id")},
       [](const NodeOptions& o) {
         return make_node<FailAt>(static_cast<std::uint64_t>(o.get_integer("row")));
       }});
  add({"test_merge", NodeRole::transform, "fan-in", {},
       [](const NodeOptions&) { return make_node<Merge>(); }});
  return registry;
}

RunReport run_yaml(const std::string& yaml, const std::map<std::string, std::string>& variables,
                   RunOptions options) {
  LoadOptions load;
  load.variables = variables;
  RunReport failed;
  auto spec = load_pipeline_text(yaml, "test.yaml", load);
  if (!spec) {
    failed.status = spec.status();
    return failed;
  }
  auto pipeline = Pipeline::build(*spec, test_registry());
  if (!pipeline) {
    failed.status = pipeline.status();
    return failed;
  }
  return (*pipeline)->run(options);
}

}  // namespace sluice::testing
