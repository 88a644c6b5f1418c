#include "transforms/ner_extract.hpp"

#include <oneapi/tbb/info.h>

#include <algorithm>
#include <mutex>

#include "support/ner/phone_recognizer.hpp"
#include "support/regex.hpp"

namespace sluice::nodes {

namespace {

/// How input columns map to output columns; computed once per input stream.
struct Layout {
  std::shared_ptr<const Columns> input;
  std::shared_ptr<const Columns> output;
  std::size_t text_column = 0;
  /// Output index of each entity's column: appended, or an existing column of the same name
  /// (re-running enrichment on an enriched file refreshes the values instead of duplicating).
  std::vector<std::size_t> entity_column;
  /// Only new columns are appended, so the input's raw text still stands for its columns.
  bool append_only = true;
};

class NerExtract final : public Node {
 public:
  explicit NerExtract(NerExtractOptions options) : options_(std::move(options)) {}

  NodeShape shape() const override {
    return NodeShape::transform(PayloadKind::rows, PayloadKind::rows);
  }

  Status open(RunContext& context) override {
    auto extractor = ner::EntityExtractor::create(options_.extractor);
    if (!extractor) return extractor.status();
    extractor_ = std::move(extractor).value();
    // Loading libphonenumber ahead is free only on a core the workers leave idle (see
    // PhoneRecognizer::preload_metadata); otherwise the first number that needs it loads it.
    if (finds_phones() && context.threads() < oneapi::tbb::info::default_concurrency()) {
      ner::PhoneRecognizer::preload_metadata();
    }
    return Status::success();
  }

  std::vector<Step> steps() override {
    MapStep extract;
    extract.process = [this](const Batch& in, const BatchInfo&) { return process(in); };
    return {extract};
  }

 private:
  bool finds_phones() const {
    const auto& entities = options_.extractor.entities;
    return std::any_of(entities.begin(), entities.end(), [](const ner::EntityDefinition& entity) {
      return entity.builtin == ner::BuiltinEntity::phones;
    });
  }

  std::shared_ptr<const Layout> layout_for(const Batch& in) {
    const auto& columns = in.rows().columns();
    std::lock_guard lock(layout_mutex_);
    if (layout_ && layout_->input == columns) return layout_;
    if (!columns) throw Error(StatusCode::internal, "row batch without columns");
    auto layout = std::make_shared<Layout>();
    layout->input = columns;
    const long text = columns->find_any(options_.text_columns);
    if (text < 0) {
      std::string wanted, present;
      for (const auto& name : options_.text_columns) wanted += (wanted.empty() ? "" : ", ") + name;
      for (const auto& name : columns->names) present += (present.empty() ? "" : ", ") + name;
      throw Error(StatusCode::data_error, "no text column: none of [" + wanted +
                                              "] is among the columns [" + present +
                                              "]; name the column with the `text_columns` option");
    }
    layout->text_column = static_cast<std::size_t>(text);
    auto output = std::make_shared<Columns>(*columns);
    for (std::size_t i = 0; i < extractor_->entity_count(); ++i) {
      const std::string name = options_.column_prefix + extractor_->entity_name(i);
      std::size_t index = output->names.size();
      for (std::size_t c = 0; c < columns->names.size(); ++c) {
        if (columns->names[c] == name) index = c;
      }
      if (index == output->names.size()) {
        output->names.push_back(name);
      } else {
        layout->append_only = false;
      }
      layout->entity_column.push_back(index);
    }
    layout->output = std::move(output);
    layout_ = layout;
    return layout;
  }

  Batch process(const Batch& in) {
    const RowBatch& rows = in.rows();
    const auto layout = layout_for(in);
    const std::size_t out_width = layout->output->names.size();
    const std::size_t entities = extractor_->entity_count();
    // A parser that validated the whole block vouches for every field: no UTF-8 check per text.
    const ner::Utf8 utf8 = rows.known_valid_utf8() ? ner::Utf8::known_valid : ner::Utf8::unchecked;

    RowBatch out(layout->output);
    out.keep_alive_all(rows);
    const bool keep_raw = rows.has_raw() && layout->append_only;
    if (keep_raw) out.set_raw_layout(rows.raw_width(), rows.raw_delimiter(), rows.raw_quote());
    out.reserve(rows.size());
    Arena& arena = out.arena();
    // Scratch reused across batches on this worker thread: no allocation per row.
    thread_local std::vector<std::string> values;
    thread_local std::vector<std::string_view> fields;
    values.resize(entities);
    fields.resize(out_width);
    // Plain locals for what every row reads: they stay in registers across the calls below.
    const std::span<const std::string_view> out_row(fields.data(), out_width);
    std::string_view* const out_fields = fields.data();
    const std::string* const value = values.data();
    const std::size_t* const entity_column = layout->entity_column.data();
    const std::size_t text_column = layout->text_column;
    const std::size_t row_count = rows.size();
    for (std::size_t r = 0; r < row_count; ++r) {
      const auto row = rows.row(r);
      std::copy(row.begin(), row.end(), out_fields);
      extractor_->extract(row[text_column], values, utf8);
      for (std::size_t e = 0; e < entities; ++e) {
        // Most texts have no entity of a kind: store() returns an empty view without copying.
        out_fields[entity_column[e]] = arena.store(value[e]);
      }
      if (keep_raw) {
        out.add_row(out_row, rows.row_number(r), rows.raw(r));
      } else {
        out.add_row(out_row, rows.row_number(r));
      }
    }
    Batch result;
    result.position = in.position;
    result.payload = std::move(out);
    return result;
  }

  NerExtractOptions options_;
  std::shared_ptr<const ner::EntityExtractor> extractor_;
  std::mutex layout_mutex_;
  std::shared_ptr<const Layout> layout_;
};

OptionSpec custom_entities_option() {
  OptionSpec spec = optional_option(
      "custom", OptionType::object_list,
      "user-defined entities: a list of {name, pattern (PCRE2), caseless (default false), "
      "unicode (default false)}");
  spec.fields = {
      required_option("name", OptionType::string, "entity name; the column is <prefix><name>"),
      required_option("pattern", OptionType::string,
                      "PCRE2 regular expression; the whole match is the entity"),
      option_with_default("caseless", OptionType::boolean, "false", "match case-insensitively"),
      option_with_default("unicode", OptionType::boolean, "false",
                          "\\d, \\w and \\b also match non-ASCII digits and letters (slower; "
                          "ASCII-only by default)"),
  };
  return spec;
}

bool valid_entity_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

}  // namespace

NodeType ner_extract_type() {
  NodeType type;
  type.key = "ner_extract";
  type.role = NodeRole::transform;
  type.summary =
      "Appends ner_<entity> columns with the dates, phones, emails, tickets, cards and "
      "user-defined entities found in the text column";
  type.options = {
      option_with_default("text_columns", OptionType::string_list, "[utterance, text]",
                          "candidate names of the text column, tried in order, case-insensitive"),
      option_with_default("entities", OptionType::string_list, "[dates, phones, emails, tickets]",
                          "built-in entities to extract, in column order: dates, phones, emails, "
                          "tickets, cards"),
      custom_entities_option(),
      option_with_default("ticket_prefixes", OptionType::string_list, "[TICKET-]",
                          "prefixes of ticket ids (followed by 4 or more digits)"),
      option_with_default("phone_region", OptionType::string, "US",
                          "ISO 3166 region for phone numbers written without +country code"),
      option_with_default("column_prefix", OptionType::string, "ner_",
                          "prefix of the appended column names"),
  };
  type.make = [](const NodeOptions& options) -> Result<std::unique_ptr<Node>> {
    NerExtractOptions parsed;
    parsed.text_columns = options.get_string_list("text_columns");
    if (parsed.text_columns.empty())
      return options.error("text_columns", "must name at least one column");
    parsed.column_prefix = options.get_string("column_prefix");
    parsed.extractor.ticket_prefixes = options.get_string_list("ticket_prefixes");
    parsed.extractor.phone_region = options.get_string("phone_region");
    std::vector<std::string> names;
    auto add_name = [&](const std::string& name, const char* option) -> Status {
      for (const auto& seen : names) {
        if (seen == name) return options.error(option, "entity '" + name + "' is listed twice");
      }
      names.push_back(name);
      return Status::success();
    };
    for (const auto& name : options.get_string_list("entities")) {
      const auto builtin = ner::builtin_entity_from_name(name);
      if (!builtin) {
        return options.error("entities", "unknown entity '" + name +
                                             "'; built-in entities are dates, phones, emails, "
                                             "tickets, cards (add others under `custom`)");
      }
      if (auto status = add_name(name, "entities"); !status.ok()) return status;
      ner::EntityDefinition definition;
      definition.name = name;
      definition.builtin = builtin;
      parsed.extractor.entities.push_back(std::move(definition));
    }
    for (const auto& item : options.get_objects("custom")) {
      ner::EntityDefinition definition;
      definition.name = item.find("name")->text();
      definition.pattern = item.find("pattern")->text();
      const Value* caseless = item.find("caseless");
      definition.caseless = caseless != nullptr && parse_bool(caseless->text()).value_or(false);
      const Value* unicode = item.find("unicode");
      definition.unicode = unicode != nullptr && parse_bool(unicode->text()).value_or(false);
      if (!valid_entity_name(definition.name)) {
        return options.error(
            "custom", "entity name '" + definition.name + "' may only use letters, digits and '_'");
      }
      if (auto status = add_name(definition.name, "custom"); !status.ok()) return status;
      // Compile now so a bad pattern is reported by `sluice validate`, at its line.
      Regex::Options regex_options;
      regex_options.caseless = definition.caseless;
      regex_options.unicode_classes = definition.unicode;
      auto compiled = Regex::compile(definition.pattern, regex_options);
      if (!compiled) {
        const SourceLocation& where = item.find("pattern")->location();
        return Status(StatusCode::invalid_argument, where.describe() + ": custom entity '" +
                                                        definition.name +
                                                        "': " + compiled.status().message());
      }
      parsed.extractor.entities.push_back(std::move(definition));
    }
    if (parsed.extractor.entities.empty()) {
      return options.error("entities",
                           "no entities to extract: list built-in ones or add `custom`");
    }
    return std::unique_ptr<Node>(std::make_unique<NerExtract>(std::move(parsed)));
  };
  return type;
}

}  // namespace sluice::nodes
