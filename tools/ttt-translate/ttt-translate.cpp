//===- ttt-translate.cpp - TTT translation driver -------------------------===//
//
// mlir-translate with the TTT dialect registered, so that every translation
// accepts modules that still contain TTT ops where it can handle them.
//
//===----------------------------------------------------------------------===//

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "ttt/InitAll.h"

int main(int argc, char **argv) {
  mlir::registerAllTranslations();
  mlir::ttt::registerAllTranslations();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "TTT translation driver\n"));
}
