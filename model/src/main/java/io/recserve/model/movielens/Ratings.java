package io.recserve.model.movielens;

import java.util.Arrays;

/** Ratings held column-wise (user, movie, rating, epoch seconds) so tens of millions fit in little memory. */
public final class Ratings {
  private int[] users;
  private int[] movies;
  private float[] values;
  private long[] times;
  private int size;

  public Ratings() {
    this(1024);
  }

  public Ratings(int capacity) {
    capacity = Math.max(capacity, 16);
    users = new int[capacity];
    movies = new int[capacity];
    values = new float[capacity];
    times = new long[capacity];
  }

  public void add(int user, int movie, float rating, long time) {
    if (size == users.length) {
      int capacity = users.length + (users.length >> 1);
      users = Arrays.copyOf(users, capacity);
      movies = Arrays.copyOf(movies, capacity);
      values = Arrays.copyOf(values, capacity);
      times = Arrays.copyOf(times, capacity);
    }
    users[size] = user;
    movies[size] = movie;
    values[size] = rating;
    times[size] = time;
    size++;
  }

  public int size() { return size; }
  public int user(int i) { return users[i]; }
  public int movie(int i) { return movies[i]; }
  public float rating(int i) { return values[i]; }
  public long time(int i) { return times[i]; }
}
