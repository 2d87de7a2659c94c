#pragma once
// A fixed pool of threads running queued jobs; the gateway runs its blocking NATS calls here so
// that the HTTP threads never wait on a dependency.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sdp {

class ThreadPool {
 public:
  ThreadPool(int threads, size_t max_queued) : max_queued_(max_queued) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this](std::stop_token st) { work(st); });
  }
  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    workers_.clear();  // jthreads join; queued jobs run first
  }
  // False when the queue is full: the caller answers 503 rather than queue without bound.
  bool post(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      if (jobs_.size() >= max_queued_) return false;
      jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
    return true;
  }

 private:
  void work(std::stop_token) {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::jthread> workers_;
};

}  // namespace sdp
