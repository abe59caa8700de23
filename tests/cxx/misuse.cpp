// Misuse the C++ API rejects at compile time (STYLE §19). Built once with PARLEY_MISUSE=0 (must compile:
// the control, so a typo cannot pass for a rejection) and once per misuse N (must not compile).
#include <parley/parley.hpp>
#include <string>
#include <vector>

#ifndef PARLEY_MISUSE
#define PARLEY_MISUSE 0
#endif

int main() {
  parley::Intracomm dup = parley::COMM_WORLD.Dup();
  const std::vector<int> frozen(4);
  std::vector<int> buf(4);
#if PARLEY_MISUSE == 1
  parley::Intracomm copy = dup;  // owners are move-only: copying would free the communicator twice
#elif PARLEY_MISUSE == 2
  parley::COMM_WORLD.Recv(frozen, 0, 0);  // receiving into const memory
#elif PARLEY_MISUSE == 3
  std::vector<std::string> words(2);
  parley::COMM_WORLD.Send(words, 0, 0);  // no datatype for std::string elements: use the lower-case send
#elif PARLEY_MISUSE == 4
  parley::COMM_WORLD.Free();  // the predefined views are const: they cannot be freed
#elif PARLEY_MISUSE == 5
  parley::COMM_WORLD.Recv(42, 0, 0);  // receiving into a temporary scalar
#else
  parley::Intracomm moved = std::move(dup);
  parley::COMM_WORLD.Recv(buf, 0, 0);
  parley::COMM_WORLD.Send(frozen, 0, 0);
  parley::COMM_WORLD.send(std::vector<std::string>(2), 0, 0);
  moved.Free();
#endif
  return 0;
}
