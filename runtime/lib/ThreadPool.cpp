//===- ThreadPool.cpp - A small fork-join pool owned by a state -----------===//

#include "ThreadPool.h"

namespace ttt::rt {

ThreadPool::ThreadPool(int numThreads) {
  if (numThreads <= 0)
    numThreads = static_cast<int>(std::thread::hardware_concurrency());
  if (numThreads <= 0)
    numThreads = 1;
  for (int i = 1; i < numThreads; ++i)
    workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &t : workers)
    t.join();
}

/// Takes indices until none are left; `lock` holds `mu` on entry and exit.
void ThreadPool::drain(std::unique_lock<std::mutex> &lock) {
  while (job && next < jobCount) {
    int64_t i = next++;
    const auto *fn = job;
    lock.unlock();
    (*fn)(i);
    lock.lock();
    if (++finished == jobCount)
      done.notify_all();
  }
}

void ThreadPool::workerLoop() {
  std::unique_lock<std::mutex> lock(mu);
  uint64_t seen = generation;
  for (;;) {
    wake.wait(lock, [&] { return stopping || generation != seen; });
    if (stopping)
      return;
    seen = generation;
    drain(lock);
  }
}

void ThreadPool::parallelFor(int64_t count,
                             const std::function<void(int64_t)> &fn) {
  if (count <= 0)
    return;
  if (workers.empty() || count == 1) {
    for (int64_t i = 0; i < count; ++i)
      fn(i);
    return;
  }
  std::unique_lock<std::mutex> lock(mu);
  job = &fn;
  jobCount = count;
  next = 0;
  finished = 0;
  ++generation;
  wake.notify_all();
  drain(lock);
  done.wait(lock, [&] { return finished == jobCount; });
  job = nullptr;
}

} // namespace ttt::rt
