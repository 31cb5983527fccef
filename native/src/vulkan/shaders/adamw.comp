// One AdamW step (cpu::adamw_step, same operation order): g = grad·grad_scale, p·= decay,
// m = b1 m + (1−b1) g, v = b2 v + (1−b2) g², p −= step_size · m / (sqrt(v)/sqrt(bc2) + eps).
// step_size = lr/bc1, bc2_sqrt and decay = 1 − lr·wd are computed on the host in double/float exactly as the CPU does.
#version 450
layout(local_size_x = 256) in;
layout(binding = 0) buffer Par { float param[]; };
layout(binding = 1) buffer M { float m[]; };
layout(binding = 2) buffer Vb { float v[]; };
layout(binding = 3) readonly buffer G { float grad[]; };
layout(push_constant) uniform P { uint n; float step_size, bc2_sqrt, decay, b1, b2, eps, grad_scale; } p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) {
    const float g = grad[i] * p.grad_scale;
    const float pd = param[i] * p.decay;
    const float mi = p.b1 * m[i] + (1.0 - p.b1) * g;
    const float vi = p.b2 * v[i] + (1.0 - p.b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const float denom = sqrt(vi) / p.bc2_sqrt + p.eps;
    param[i] = pd - p.step_size * (mi / denom);
  }
}
