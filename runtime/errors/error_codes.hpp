// Error codes handed to users: an MPI error class in the low byte and, for
// errors raised with a message, a slot in a table of recent messages above it,
// so MPI_Error_string can return the exact text the runtime wrote.
#pragma once

#include <string>

#include "base/status.hpp"

namespace parley::errors {

// Turns a failed status into a user-visible error code (class + message slot).
int code_from_status(const Status& status);

// The error class of any code produced by code_from_status, a predefined
// class, or a user-added class/code (MPI_Add_error_class/code).
int class_of(int code);

// The text for a code: the recorded message if the code carries one,
// otherwise the description of its class.
std::string string_of(int code);

// Whether a code is one this library knows (predefined, user-added or issued).
bool is_valid_code(int code);

// Description of a predefined error class ("invalid rank", ...).
const char* class_description(int error_class);

// MPI_Add_error_class / MPI_Add_error_code / MPI_Add_error_string support.
Result<int> add_error_class();
Result<int> add_error_code(int error_class);
Status set_error_string(int code, std::string text);
int last_used_code();

}  // namespace parley::errors
