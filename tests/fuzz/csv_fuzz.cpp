// libFuzzer target for the CSV reader and the schema inference the compiler
// runs on a csv() source: any bytes must give records or one clean error,
// never a crash, a hang or a read out of bounds (built with ASan + UBSan).
#include "runtime/csv.h"

#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The first byte picks the separator, as csv(path, sep:) may.
  if (size == 0) return 0;
  const char seps[] = {',', ';', '\t', '|'};
  char sep = seps[data[0] % 4];
  std::string text(reinterpret_cast<const char *>(data + 1), size - 1);

  mlp::csv::Reader reader;
  reader.openText("fuzz.csv", text, sep);
  mlp::CsvSchema schema;
  std::string error;
  reader.checkUtf8(error); // must not crash on any bytes either
  error.clear();
  if (mlp::inferCsvSchema(reader, mlp::CsvOptions(), schema, error)) {
    // A file that infers cleanly reads record by record, each the header's width.
    mlp::csv::Reader again;
    again.openText("fuzz.csv", text, sep);
    std::vector<std::string> names;
    std::vector<std::string_view> fields;
    if (!mlp::csv::readHeader(again, names, error)) __builtin_trap();
    int64_t rows = 0;
    while (again.next(fields, error)) {
      if (fields.size() != names.size()) __builtin_trap();
      for (std::string_view f : fields) {
        int64_t i;
        double d;
        mlp::csv::parseInt(f, i);
        mlp::csv::parseNumber(f, d);
      }
      ++rows;
    }
    if (!error.empty() || rows != schema.rows) __builtin_trap();
  } else if (error.empty()) {
    __builtin_trap(); // a failure must say why
  }
  return 0;
}
