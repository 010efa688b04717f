/* libFuzzer entry point, shared by the fuzz targets and the corpus driver
 * that replays a corpus in the ordinary build (meson test). */
#ifndef OW_TESTS_FUZZ_H
#define OW_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
