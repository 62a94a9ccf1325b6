package io.recserve.model.movielens;

import java.util.List;

/** A loaded MovieLens data set: its movies and its ratings. */
public record MovieLensData(List<Movie> movies, Ratings ratings) {}
