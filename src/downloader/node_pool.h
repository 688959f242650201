// NodePool and PoolAllocator: fixed-size blocks for the scheduler's ordered
// ready sets.
//
// A ready set holds one 40-byte red-black-tree node per entry; malloc adds an
// 8-byte header and rounds to 48. Carving nodes from 64 KiB slabs with a free
// list saves that (a sixth of the set memory) and a malloc call per insert.
// Blocks are 8-byte aligned, reused, and returned to the system only when the
// pool dies.
// Lifetime: the pool must outlive every container allocating from it.
// Single-threaded, like the scheduler.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <vector>

namespace ferry::downloader {

class NodePool {
 public:
  explicit NodePool(size_t block_bytes) : block_((block_bytes + 7) / 8 * 8) {}
  NodePool(const NodePool&) = delete;
  NodePool& operator=(const NodePool&) = delete;

  size_t block_bytes() const { return block_; }

  void* allocate() {
    if (free_ != nullptr) {
      void* p = free_;
      free_ = *static_cast<void**>(p);
      return p;
    }
    if (slabs_.empty() || used_ + block_ > kSlabBytes) {
      slabs_.push_back(std::make_unique<std::byte[]>(kSlabBytes));
      used_ = 0;
    }
    void* p = slabs_.back().get() + used_;
    used_ += block_;
    return p;
  }

  void deallocate(void* p) {
    *static_cast<void**>(p) = free_;
    free_ = p;
  }

 private:
  static constexpr size_t kSlabBytes = 64 * 1024;
  size_t block_;
  std::vector<std::unique_ptr<std::byte[]>> slabs_;
  size_t used_ = 0;
  void* free_ = nullptr;
};

// Allocates single objects that fit a block from the pool; anything else (or
// with no pool) from the heap. Propagates on copy, move and swap, so a
// container keeps allocating where its nodes live.
template <typename T>
class PoolAllocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;

  PoolAllocator() = default;
  explicit PoolAllocator(NodePool* pool) : pool_(pool) {}
  template <typename U>
  PoolAllocator(const PoolAllocator<U>& other) : pool_(other.pool()) {}

  T* allocate(size_t n) {
    if (uses_pool(n)) return static_cast<T*>(pool_->allocate());
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) {
    if (uses_pool(n))
      pool_->deallocate(p);
    else
      std::allocator<T>().deallocate(p, n);
  }

  NodePool* pool() const { return pool_; }
  template <typename U>
  bool operator==(const PoolAllocator<U>& o) const {
    return pool_ == o.pool();
  }

 private:
  bool uses_pool(size_t n) const {
    return pool_ != nullptr && n == 1 && sizeof(T) <= pool_->block_bytes() && alignof(T) <= 8;
  }
  NodePool* pool_ = nullptr;
};

}  // namespace ferry::downloader
