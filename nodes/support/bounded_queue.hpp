#pragma once
/// BoundedQueue: hands items from one thread to another in order, holding at most `capacity`
/// units of them, so a fast producer waits instead of piling up memory. An item weighs 1 unit
/// unless push() says otherwise (e.g. its size in bytes); an item heavier than the whole capacity
/// is still taken, alone, into an empty queue. close() ends the queue for both sides: push() then
/// refuses, pop() hands out what is left and then nothing.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace sluice::nodes {

template <typename T>
class BoundedQueue {
 public:
  /// `capacity` of at least 1.
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  /// Waits while the item does not fit. False (the item is dropped) once the queue is closed.
  bool push(T item, std::size_t weight = 1) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return used_ + weight <= capacity_ || items_.empty() || closed_; });
    if (closed_) return false;
    items_.emplace_back(std::move(item), weight);
    used_ += weight;
    not_empty_.notify_one();
    return true;
  }

  /// Waits for the next item; nullopt once the queue is closed and empty.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    std::optional<T> item(std::move(items_.front().first));
    used_ -= items_.front().second;
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  /// No more pushes. Items already queued can still be popped.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  /// Drops every queued item (their destructors run here, outside the lock).
  void clear() {
    std::deque<std::pair<T, std::size_t>> dropped;
    {
      std::lock_guard lock(mutex_);
      dropped.swap(items_);
      used_ = 0;
      not_full_.notify_all();
    }
  }

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<std::pair<T, std::size_t>> items_;
  std::size_t used_ = 0;
  bool closed_ = false;
};

}  // namespace sluice::nodes
