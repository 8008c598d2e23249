//===- TTTInterfaces.cpp - TTT op interfaces ------------------------------===//

#include "ttt/Dialect/TTT/IR/TTTInterfaces.h"

#include "ttt/Dialect/TTT/IR/TTTInterfaces.cpp.inc"
