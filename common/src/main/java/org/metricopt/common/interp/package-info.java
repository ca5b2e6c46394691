/**
 * Interpolation of sparse metric observations over the step index of an unroll.
 *
 * <p>An inner-loop unroll of T steps observes the black-box metric only K times (every T/K steps).
 * {@link org.metricopt.common.interp.GaussianProcess} densifies those K observations into a mean
 * M̂_t and a standard deviation σ̂_t for every step t = 0..T (supplementary Algorithm 1, line 4);
 * the value function is then regressed on M̂_t with weights from σ̂_t (docs/DESIGN.md section 3).
 */
package org.metricopt.common.interp;
