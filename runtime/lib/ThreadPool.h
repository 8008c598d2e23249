//===- ThreadPool.h - A small fork-join pool owned by a state ---*- C++ -*-===//
//
// Chains are independent, so a prefill splits its chains over threads. The
// pool belongs to one state (nothing global); the calling thread works too.
//
//===----------------------------------------------------------------------===//

#ifndef TTT_RUNTIME_LIB_THREADPOOL_H
#define TTT_RUNTIME_LIB_THREADPOOL_H

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ttt::rt {

class ThreadPool {
public:
  /// `numThreads` counts the caller; 0 means hardware concurrency.
  explicit ThreadPool(int numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int size() const { return static_cast<int>(workers.size()) + 1; }
  /// Runs fn(i) for i in [0, count), each once, and returns when all are
  /// done. Not reentrant.
  void parallelFor(int64_t count, const std::function<void(int64_t)> &fn);

private:
  void workerLoop();
  void drain(std::unique_lock<std::mutex> &lock);

  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable wake, done;
  const std::function<void(int64_t)> *job = nullptr;
  int64_t jobCount = 0, next = 0, finished = 0;
  uint64_t generation = 0;
  bool stopping = false;
};

} // namespace ttt::rt

#endif // TTT_RUNTIME_LIB_THREADPOOL_H
