// An append-only store of strings whose views stay valid as it grows and
// when it moves: text is copied into blocks that are never reallocated. A
// decision keeps its findings' text here, so that a finding costs a copy of
// a few bytes, not a heap allocation per string.
#ifndef GAVEL_ENGINE_TEXT_ARENA_H_
#define GAVEL_ENGINE_TEXT_ARENA_H_

#include <cstddef>
#include <string_view>

namespace gavel {

class TextArena {
 public:
  TextArena() = default;
  ~TextArena();
  TextArena(TextArena&& other) noexcept;
  TextArena& operator=(TextArena&& other) noexcept;
  TextArena(const TextArena&) = delete;  // views into it would point into the original
  TextArena& operator=(const TextArena&) = delete;

  // A copy of `s` that lives as long as the arena, or the arena it is moved
  // to, followed by a NUL: its data() is also a C string (the C API hands
  // findings' text out as such). An empty `s` gives "" (not in the arena).
  std::string_view Add(std::string_view s);

  // Room for `n` bytes, followed by a NUL, that the caller fills: a string
  // assembled in place (Add copies one that already exists).
  char* Allocate(size_t n);

  // The next block holds at least `bytes` (e.g. what the previous use needed).
  void Reserve(size_t bytes);

  size_t used() const { return used_; }  // bytes, with the NULs

 private:
  // Blocks are chained through a header, newest first: one allocation per
  // block, none for a list of them.
  struct Block {
    Block* prev;
  };
  Block* last_ = nullptr;
  char* next_ = nullptr;  // free space of the last block
  size_t left_ = 0;
  size_t used_ = 0;
  size_t next_block_ = 1024;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_TEXT_ARENA_H_
