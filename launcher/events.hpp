// PMIx event codes the launcher raises in ranks.
#pragma once

#include <pmix_common.h>

namespace parley::launcher {

// Raised by each daemon in its local ranks when `--timeout` expires, just
// before the job is killed: a rank's handler prints what it is blocked in.
// The runtime's bootstrap (runtime/, PMIx client side) defines the same value;
// the two must stay equal.
inline constexpr pmix_status_t PARLEY_EVENT_DUMP_STATE = PMIX_EXTERNAL_ERR_BASE - 1;

}  // namespace parley::launcher
