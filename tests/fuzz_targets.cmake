# Fuzz harnesses (tests/**/*_fuzz.cpp, see tests/support/fuzz_support.hpp). Each harness has a
# corpus beside it, NAME_fuzz_corpus/: inputs that reach its interesting paths and every input
# that once found a bug.
# - Plain and sanitizer builds: NAME_replay runs the harness over that corpus, as the ctest entry
#   fuzz_corpus.NAME, so each stays a regression test.
# - -DSLUICE_FUZZING=ON (clang; .ci/fuzz does it): NAME_fuzzer is a libFuzzer program that
#   searches for new inputs. fuzz_targets.txt in the build directory lists each fuzzer and its
#   corpus for .ci/fuzz.
set(_fuzz_manifest ${PROJECT_BINARY_DIR}/fuzz_targets.txt.in)
file(WRITE ${_fuzz_manifest} "")

# sluice_fuzz_target(NAME SOURCE LIBRARIES...)
function(sluice_fuzz_target name source)
  get_filename_component(_dir ${source} DIRECTORY)
  set(_corpus ${CMAKE_CURRENT_SOURCE_DIR}/${_dir}/${name}_fuzz_corpus)
  if(SLUICE_FUZZING)
    set(_target ${name}_fuzzer)
    add_executable(${_target} ${source})
    target_link_options(${_target} PRIVATE -fsanitize=fuzzer)
    file(APPEND ${_fuzz_manifest} "${name} $<TARGET_FILE:${_target}> ${_corpus}\n")
  else()
    set(_target ${name}_replay)
    add_executable(${_target} ${source} support/fuzz_replay_main.cpp)
    add_test(NAME fuzz_corpus.${name} COMMAND ${_target} ${_corpus})
    set_tests_properties(fuzz_corpus.${name} PROPERTIES LABELS fuzz)
  endif()
  target_include_directories(${_target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/engine)
  target_link_libraries(${_target} PRIVATE ${ARGN} sluice_warnings)
endfunction()

sluice_fuzz_target(csv nodes/support/csv_fuzz.cpp sluice::nodes)
sluice_fuzz_target(url nodes/support/http/url_fuzz.cpp sluice::nodes CURL::libcurl)
sluice_fuzz_target(server_replies nodes/support/http/server_replies_fuzz.cpp sluice::nodes CURL::libcurl)
sluice_fuzz_target(emulator_parts nodes/emulator/emulator_parts_fuzz.cpp sluice::emulator sluice::nodes simdjson::simdjson)
sluice_fuzz_target(csv_import_validator nodes/emulator/csv_import_validator_fuzz.cpp sluice::emulator sluice::nodes)
sluice_fuzz_target(import_upload nodes/emulator/import_upload_fuzz.cpp sluice::emulator sluice::nodes simdjson::simdjson)
sluice_fuzz_target(utterance_ner_local pipelines/utterance_ner_local_fuzz.cpp sluice_test_support)
sluice_fuzz_target(export_download nodes/sources/export_download_fuzz.cpp sluice_test_support sluice::emulator)
sluice_fuzz_target(pipeline_loader engine/spec/pipeline_loader_fuzz.cpp sluice::nodes)
sluice_fuzz_target(durable_file engine/core/durable_file_fuzz.cpp sluice_test_support)
sluice_fuzz_target(json_framer nodes/support/json_framer_fuzz.cpp sluice::nodes simdjson::simdjson)
sluice_fuzz_target(entity_extractor nodes/support/ner/entity_extractor_fuzz.cpp sluice::nodes PkgConfig::PCRE2)

# The manifest names each fuzzer by its file, known only at generation time.
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/fuzz_targets.txt INPUT ${_fuzz_manifest})
