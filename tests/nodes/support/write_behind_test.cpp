#include <doctest/doctest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sluice/status.hpp"
#include "support/write_behind.hpp"

namespace sluice::nodes {
namespace {

/// What the write function saw, shared with the test thread.
struct Written {
  std::mutex mutex;
  std::vector<std::string> chunks;
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mutex);
    return chunks;
  }
};

/// A write function blocked until the test opens it, telling the test when a write has begun.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  int entered = 0;

  void pass() {
    std::unique_lock lock(mutex);
    ++entered;
    changed.notify_all();
    changed.wait(lock, [&] { return open; });
  }
  void wait_entered(int count) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return entered >= count; });
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    changed.notify_all();
  }
};

ByteChunk chunk_of(const std::string& text) {
  return ByteChunk::own(text);
}

TEST_CASE("write_behind: writes every chunk in order, skipping empty ones") {
  Written written;
  WriteBehind writer(
      [&](std::string_view bytes) {
        std::lock_guard lock(written.mutex);
        written.chunks.emplace_back(bytes);
      },
      2);  // less than a chunk: each is taken only into an empty queue
  std::vector<std::string> expected;
  for (int i = 0; i < 100; ++i) {
    expected.push_back("chunk " + std::to_string(i));
    writer.push(chunk_of(expected.back()));
    writer.push(ByteChunk{});
  }
  writer.drain();
  CHECK(written.snapshot() == expected);
  CHECK_THROWS_AS(writer.push(chunk_of("late")), Error);
}

TEST_CASE("write_behind: a chunk's owner lives until the chunk is written, not longer") {
  Gate gate;
  WriteBehind writer([&](std::string_view) { gate.pass(); }, 2);
  auto owner = std::make_shared<const std::string>("payload");
  std::weak_ptr<const std::string> watch = owner;
  writer.push(ByteChunk{owner, *owner});
  owner.reset();
  gate.wait_entered(1);
  CHECK_FALSE(watch.expired());  // being written: still alive although the caller let go
  gate.release();
  writer.drain();
  CHECK(watch.expired());
}

TEST_CASE("write_behind: a write error surfaces from a later push and from drain") {
  const auto failing = [](std::string_view) {
    throw Error(StatusCode::io_error, "cannot write /out/file.csv: No space left on device");
  };
  SUBCASE("push") {
    WriteBehind writer(failing, 8);  // room for two chunks of 4 bytes
    // The first chunk fails on the writer thread; it then refuses the queue, so one of the next
    // pushes (at most capacity + 1 can still be taken in) must report the failure.
    bool thrown = false;
    for (int i = 0; i < 4 && !thrown; ++i) {
      try {
        writer.push(chunk_of("row\n"));
      } catch (const Error& error) {
        thrown = true;
        CHECK(error.status().code() == StatusCode::io_error);
        CHECK(error.status().message().find("/out/file.csv") != std::string::npos);
      }
    }
    CHECK(thrown);
    CHECK_THROWS_AS(writer.drain(), Error);
  }
  SUBCASE("drain") {
    WriteBehind writer(failing, 8);  // room for two chunks of 4 bytes
    writer.push(chunk_of("row\n"));
    try {
      writer.drain();
      FAIL("drain did not report the write error");
    } catch (const Error& error) {
      CHECK(error.status().message().find("No space left on device") != std::string::npos);
    }
    CHECK_THROWS_AS(writer.drain(), Error);  // and again: the failure is kept
  }
}

TEST_CASE("write_behind: stop while the queue is full drops the queued chunks and frees them") {
  Gate gate;
  Written written;
  WriteBehind writer(
      [&](std::string_view bytes) {
        gate.pass();
        std::lock_guard lock(written.mutex);
        written.chunks.emplace_back(bytes);
      },
      11);  // room for "second" and "third"
  writer.push(chunk_of("first"));
  gate.wait_entered(1);  // the thread is inside write("first")
  std::vector<std::weak_ptr<const void>> queued;
  for (const char* text : {"second", "third"}) {
    ByteChunk chunk = chunk_of(text);
    queued.push_back(chunk.owner);
    writer.push(std::move(chunk));
  }
  // The queue is full: a fourth push waits. stop() must wake it (it then throws, as the output
  // is closed) and release what was queued, even while the thread is still inside a write.
  bool late_push_threw = false;
  std::thread producer([&] {
    try {
      writer.push(chunk_of("fourth"));
    } catch (const Error&) {
      late_push_threw = true;
    }
  });
  std::thread stopper([&] { writer.stop(); });
  producer.join();
  // stop() releases the queued chunks before it waits for the thread; only then may the write
  // in progress finish, so nothing queued can be written.
  for (const auto& chunk : queued) {
    while (!chunk.expired()) std::this_thread::yield();
  }
  gate.release();
  stopper.join();
  CHECK(late_push_threw);
  CHECK(written.snapshot() == std::vector<std::string>{"first"});
  writer.stop();                           // idempotent
  CHECK_THROWS_AS(writer.drain(), Error);  // what was dropped must not pass for complete output
}

}  // namespace
}  // namespace sluice::nodes
