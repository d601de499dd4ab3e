// RUN: kiln-opt %s --split-input-file --verify-diagnostics

// Upstream MLIR's custom-form parser of linalg.generic casts each iterator_types
// element to a string unchecked: anything else ended in std::bad_alloc or SIGSEGV.
// kiln-opt finds such input first and reports it at the attribute.

#id = affine_map<(i) -> (i)>
func.func @mixed(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{expects 'iterator_types' to be an array of strings such as ["parallel", "reduction"], got ["parallel", 1]}}
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", 1]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %m : tensor<4xf32>
}

// -----

#id = affine_map<(i) -> (i)>
func.func @enum_in_the_custom_form(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{got [#linalg.iterator_type<parallel>]}}
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = [#linalg.iterator_type<parallel>]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %m : tensor<4xf32>
}

// -----

#id = affine_map<(i) -> (i)>
#iterators = [1]
func.func @through_an_alias(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{got #iterators}}
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = #iterators} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %m : tensor<4xf32>
}

// -----

#id = affine_map<(i) -> (i)>
func.func @strings_parse_as_before(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %m = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %m : tensor<4xf32>
}
