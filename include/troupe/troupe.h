// The installed package's umbrella header: the blocking client API (Session,
// the queues, Variable, Saver) and the version.
#pragma once

#include "base/version.h"
#include "cluster/queue.h"
#include "cluster/runner.h"
#include "cluster/saver.h"
#include "cluster/session.h"
#include "cluster/variable.h"
#include "serialization/tensor.h"
