// RUN: kiln-opt %s --split-input-file --kiln-expand-math | FileCheck %s

// exp: clamp, round x/ln2 with the 1.5*2^23 shifter, two-part ln2 reduction, a
// polynomial in fmas, then 2^n built from bits as two factors.
// CHECK-LABEL: func.func @exp(
// CHECK-SAME:      %[[X:.+]]: f32)
// CHECK-NOT:     math.exp
// CHECK:         %[[HI:.+]] = arith.constant 8.900000e+01 : f32
// CHECK:         %[[C:.+]] = arith.cmpf ogt, %[[X]], %[[HI]] : f32
// CHECK:         arith.select %[[C]], %[[HI]], %[[X]] : f32
// CHECK:         arith.constant 0x4B400000 : f32
// CHECK:         math.fma
// CHECK:         arith.bitcast %{{.+}} : f32 to i32
// CHECK:         %[[HALF:.+]] = arith.shrsi %[[N:.+]], %{{.+}} : i32
// CHECK:         arith.shli
// CHECK:         %[[S1:.+]] = arith.bitcast %{{.+}} : i32 to f32
// CHECK:         %[[P:.+]] = arith.mulf %{{.+}}, %[[S1]] : f32
// CHECK:         arith.subi %[[N]], %[[HALF]] : i32
// CHECK:         %[[S2:.+]] = arith.bitcast %{{.+}} : i32 to f32
// CHECK:         %[[Y:.+]] = arith.mulf %[[P]], %[[S2]] : f32
// CHECK-NEXT:    return %[[Y]] : f32
func.func @exp(%x: f32) -> f32 {
  %0 = math.exp %x : f32
  return %0 : f32
}

// -----

// log: denormals are scaled by 2^23, the exponent and mantissa come from the bits,
// then the special values are selected: inf, -inf for zero, NaN for x < 0 or NaN.
// CHECK-LABEL: func.func @log(
// CHECK-SAME:      %[[X:.+]]: f32)
// CHECK-NOT:     math.log
// CHECK:         arith.constant 1.17549435E-38 : f32
// CHECK:         arith.sitofp %{{.+}} : i32 to f32
// CHECK:         math.fma
// CHECK:         %[[INF:.+]] = arith.constant 0x7F800000 : f32
// CHECK:         arith.cmpf oeq, %[[X]], %[[INF]] : f32
// CHECK:         arith.constant 0xFF800000 : f32
// CHECK:         %[[NEG:.+]] = arith.cmpf ult, %[[X]], %{{.+}} : f32
// CHECK:         %[[NAN:.+]] = arith.constant 0x7FC00000 : f32
// CHECK:         %[[Y:.+]] = arith.select %[[NEG]], %[[NAN]], %{{.+}} : f32
// CHECK-NEXT:    return %[[Y]] : f32
func.func @log(%x: f32) -> f32 {
  %0 = math.log %x : f32
  return %0 : f32
}

// -----

// tanh, on |x|: a polynomial below 0.625, 1 - 2/(exp(2|x|)+1) above; then x's sign
// bit is put back (so tanh(-0) = -0).
// CHECK-LABEL: func.func @tanh(
// CHECK-SAME:      %[[X:.+]]: f32)
// CHECK-NOT:     math.tanh
// CHECK-NOT:     math.exp
// CHECK:         arith.divf
// CHECK:         %[[SMALL:.+]] = arith.cmpf olt, %{{.+}}, %{{.+}} : f32
// CHECK:         %[[MAGNITUDE:.+]] = arith.select %[[SMALL]], %{{.+}}, %{{.+}} : f32
// CHECK:         %[[XBITS:.+]] = arith.bitcast %[[X]] : f32 to i32
// CHECK:         %[[SIGN:.+]] = arith.andi %[[XBITS]], %{{.+}} : i32
// CHECK:         %[[MBITS:.+]] = arith.bitcast %[[MAGNITUDE]] : f32 to i32
// CHECK:         %[[BITS:.+]] = arith.ori %[[MBITS]], %[[SIGN]] : i32
// CHECK:         %[[Y:.+]] = arith.bitcast %[[BITS]] : i32 to f32
// CHECK-NEXT:    return %[[Y]] : f32
func.func @tanh(%x: f32) -> f32 {
  %0 = math.tanh %x : f32
  return %0 : f32
}

// -----

// erf: x * E(x^2) below |x| = 1; 1 - exp(-x^2) * C(|x| - 2.5) above, saturating at 4.
// CHECK-LABEL: func.func @erf(
// CHECK-NOT:     math.erf
// CHECK:         arith.constant 4.000000e+00 : f32
// CHECK:         arith.negf
// CHECK:         arith.constant 2.500000e+00 : f32
// CHECK:         arith.ori
// CHECK:         %[[Y:.+]] = arith.select
// CHECK-NEXT:    return %[[Y]] : f32
func.func @erf(%x: f32) -> f32 {
  %0 = math.erf %x : f32
  return %0 : f32
}

// -----

// Vectors of f32 get splat constants and vectors of i32 for the bits.
// CHECK-LABEL: func.func @exp_vector(
// CHECK-NOT:     math.exp
// CHECK:         arith.constant dense<8.900000e+01> : vector<8xf32>
// CHECK:         arith.bitcast %{{.+}} : vector<8xf32> to vector<8xi32>
// CHECK:         arith.shli %{{.+}}, %{{.+}} : vector<8xi32>
func.func @exp_vector(%x: vector<8xf32>) -> vector<8xf32> {
  %0 = math.exp %x : vector<8xf32>
  return %0 : vector<8xf32>
}

// -----

// Inside a loop body, as after convert-linalg-to-loops.
// CHECK-LABEL: func.func @sigmoid_loop(
// CHECK:         scf.for
// CHECK-NOT:       math.exp
// CHECK:           math.fma
// CHECK:           arith.divf
// CHECK:           memref.store
func.func @sigmoid_loop(%in: memref<64xf32>, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c64 step %c1 {
    %x = memref.load %in[%i] : memref<64xf32>
    %n = arith.negf %x : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %s = arith.divf %one, %d : f32
    memref.store %s, %out[%i] : memref<64xf32>
  }
  return
}

// -----

// Left alone: f64 (and f16) math, and math ops this pass does not expand.
// CHECK-LABEL: func.func @untouched(
// CHECK:         math.exp %{{.+}} : f64
// CHECK:         math.log %{{.+}} : f16
// CHECK:         math.sin %{{.+}} : f32
// CHECK:         math.sqrt %{{.+}} : f32
// CHECK-NOT:     math.fma
func.func @untouched(%a: f64, %b: f16, %c: f32) -> (f64, f16, f32, f32) {
  %0 = math.exp %a : f64
  %1 = math.log %b : f16
  %2 = math.sin %c : f32
  %3 = math.sqrt %c : f32
  return %0, %1, %2, %3 : f64, f16, f32, f32
}
