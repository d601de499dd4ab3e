/* Support routines that MLIR's lowering to LLVM calls by name, linked into every
 * CPU kernel library. `memrefCopy` copies between strided memrefs whose layout is
 * not the identity (finalize-memref-to-llvm emits a memcpy for contiguous ones). */

#include <stdint.h>
#include <string.h>

typedef struct {
  int64_t rank;
  void *descriptor;
} UnrankedMemRef;

/* The ranked descriptor: allocated, aligned, offset, sizes[rank], strides[rank]. */
typedef struct {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizes_and_strides[];
} StridedMemRef;

static void copy_dimension(int64_t element_size, int64_t rank, int64_t dim,
                           const int64_t *sizes, const int64_t *src_strides,
                           const int64_t *dst_strides, const char *src, char *dst) {
  if (dim == rank) {
    memcpy(dst, src, (size_t)element_size);
    return;
  }
  for (int64_t i = 0; i < sizes[dim]; ++i)
    copy_dimension(element_size, rank, dim + 1, sizes, src_strides, dst_strides,
                   src + i * src_strides[dim] * element_size,
                   dst + i * dst_strides[dim] * element_size);
}

void memrefCopy(int64_t element_size, UnrankedMemRef *source, UnrankedMemRef *target) {
  const StridedMemRef *src = (const StridedMemRef *)source->descriptor;
  StridedMemRef *dst = (StridedMemRef *)target->descriptor;
  int64_t rank = source->rank;
  const int64_t *sizes = src->sizes_and_strides;
  copy_dimension(element_size, rank, 0, sizes, src->sizes_and_strides + rank,
                 dst->sizes_and_strides + rank,
                 src->aligned + src->offset * element_size,
                 dst->aligned + dst->offset * element_size);
}
