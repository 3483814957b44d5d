#include "engine/text_arena.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace gavel {

TextArena::~TextArena() {
  while (last_ != nullptr) ::operator delete(std::exchange(last_, last_->prev));
}

TextArena::TextArena(TextArena&& other) noexcept
    : last_(std::exchange(other.last_, nullptr)),
      next_(std::exchange(other.next_, nullptr)),
      left_(std::exchange(other.left_, 0)),
      used_(std::exchange(other.used_, 0)),
      next_block_(other.next_block_) {}

TextArena& TextArena::operator=(TextArena&& other) noexcept {
  TextArena taken(std::move(other));
  std::swap(last_, taken.last_);  // this arena's blocks go with `taken`
  std::swap(next_, taken.next_);
  std::swap(left_, taken.left_);
  std::swap(used_, taken.used_);
  std::swap(next_block_, taken.next_block_);
  return *this;
}

void TextArena::Reserve(size_t bytes) {
  if (bytes > left_) next_block_ = std::max(next_block_, bytes);
}

char* TextArena::Allocate(size_t n) {
  if (n >= left_) {  // and its NUL
    // Blocks double up to 64 KiB; a longer string gets a block of its own size.
    const size_t size = std::max(n + 1, next_block_);
    Block* block = static_cast<Block*>(::operator new(sizeof(Block) + size));
    block->prev = last_;
    last_ = block;
    next_ = reinterpret_cast<char*>(block + 1);
    left_ = size;
    next_block_ = std::min<size_t>(next_block_ * 2, 64 * 1024);
  }
  char* out = next_;
  out[n] = '\0';
  next_ += n + 1;
  left_ -= n + 1;
  used_ += n + 1;
  return out;
}

std::string_view TextArena::Add(std::string_view s) {
  if (s.empty()) return std::string_view("", 0);
  char* out = Allocate(s.size());
  std::memcpy(out, s.data(), s.size());
  return std::string_view(out, s.size());
}

}  // namespace gavel
