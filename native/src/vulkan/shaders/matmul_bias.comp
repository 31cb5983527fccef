#version 450
// y (T, N) += bias (N) broadcast over rows: the bias term of matmul_forward.
layout(local_size_x = 256) in;
layout(binding = 0) buffer Yb { float y[]; };
layout(binding = 1) readonly buffer Bb { float bias[]; };
layout(push_constant) uniform PC { uint T, N; } pc;

void main() {
  uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * 256u;
  if (i >= pc.T * pc.N) return;
  y[i] += bias[i % pc.N];
}
