#version 450
// Flash attention backward, step 1: D (NH, T) = rowsum(dout * out) per query row and head (the softmax-gradient term
// both later kernels need), one thread per (row, head).
layout(local_size_x = 128) in;
layout(binding = 0) writeonly buffer Db { float D[]; };
layout(binding = 1) readonly buffer dOb { float dout[]; };
layout(binding = 2) readonly buffer Ob { float o[]; };
layout(push_constant) uniform PC { uint T, NH, HD; } pc;

void main() {
  uint i = gl_GlobalInvocationID.x;
  if (i >= pc.T * pc.NH) return;
  uint t = i / pc.NH, h = i % pc.NH;
  uint base = t * pc.NH * pc.HD + h * pc.HD;
  float s = 0.0;
  for (uint c = 0u; c < pc.HD; ++c) s = fma(dout[base + c], o[base + c], s);
  D[h * pc.T + t] = s;
}
