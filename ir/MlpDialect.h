// The mlp dialect: see MlpDialect.td.
#pragma once

#include "mlir/IR/Dialect.h"

#include "ir/MlpDialect.h.inc"
