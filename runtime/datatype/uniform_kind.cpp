// uniform_basic_kind: one walk over the constructor tree (not the compiled
// program, which splits pair types into their members), visiting each
// distinct type once.
#include "datatype/uniform_kind.hpp"

#include <unordered_set>
#include <vector>

namespace parley::dt {

std::optional<UniformKind> uniform_basic_kind(const Type& type) {
  if (type.size() == 0) return std::nullopt;
  std::optional<BasicKind> kind;
  std::unordered_set<const Type*> seen;
  std::vector<const Type*> todo{&type};
  while (!todo.empty()) {
    const Type* t = todo.back();
    todo.pop_back();
    if (t->size() == 0 || !seen.insert(t).second) continue;  // no elements, or already checked
    switch (t->shape_) {
      case Type::Shape::Basic:
        if (kind && *kind != t->kind_) return std::nullopt;
        kind = t->kind_;
        break;
      case Type::Shape::Alias:
      case Type::Shape::Resized:
      case Type::Shape::Blocks:
        todo.push_back(t->child_);
        break;
      case Type::Shape::Struct:
        for (size_t i = 0; i < t->blocks_.size(); ++i)
          if (t->blocks_[i].len > 0) todo.push_back(t->types_[i]);
        break;
    }
  }
  if (!kind) return std::nullopt;
  // num_elements counts both members of a pair.
  const int64_t per = is_pair(*kind) ? 2 : 1;
  return UniformKind{*kind, type.num_elements() / per};
}

}  // namespace parley::dt
