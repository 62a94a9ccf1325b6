// The recommendations tab: POST /recommend (the public API, relayed by the management listener), the user's
// top-rated movies (GET /users/{id}/rated), and a movie's similar movies (GET /movies/{id}/similar) on a click.
import { get, post } from './api.js';
import { el, clear, status, number } from './dom.js';

const $ = (id) => document.getElementById(id);
let refused = null; // the last request, when the listener asked for the admin key

function movieItem(movie, { score, rating, because } = {}) {
  const title = el('button', { type: 'button', class: 'link movie-title', text: movie.title || `Movie ${movie.movie_id}`,
    'aria-label': `${movie.title || `Movie ${movie.movie_id}`}: show similar movies`, onclick: () => showSimilar(movie) });
  const meta = el('span', { class: 'meta' },
    (movie.genres && movie.genres.length) ? movie.genres.join(', ') : 'no genres listed');
  const figures = [];
  if (score !== undefined) figures.push(el('span', { class: 'score', title: 'score' }, `score ${number(score, 3)}`));
  if (rating !== undefined) figures.push(el('span', { class: 'score rating', title: 'rating' }, `rated ${number(rating, 1)}`));
  const reasons = because && because.length
    ? el('span', { class: 'because' }, 'because you rated ', because.map((b) => b.title || `movie ${b.movie_id}`).join(' and '))
    : null;
  return el('li', { class: 'movie', dataset: { movieId: movie.movie_id } }, el('div', { class: 'line' }, title, figures), meta, reasons);
}

async function recommend(userId, cutoff, explain) {
  const button = $('recommend-button');
  button.disabled = true;
  status($('recommend-status'), `Asking for ${cutoff} recommendations for user ${userId}…`);
  $('similar').hidden = true;
  const list = clear($('recommendations'));
  loadRated(userId);
  try {
    refused = null;
    const answer = await post('/recommend', { user_id: userId, cutoff, explain });
    const recs = answer.recommendations || [];
    recs.forEach((r) => list.append(movieItem(r, { score: r.score, because: explain ? r.because : undefined })));
    status($('recommend-status'), recs.length
      ? `${recs.length} recommendations for user ${userId} (request ${answer.request_id}).`
      : `No recommendations: the model does not know user ${userId}.`, recs.length ? 'ok' : 'info');
  } catch (e) {
    if (e.status === 401) refused = { userId, cutoff, explain };
    status($('recommend-status'), `Error${e.status ? ` ${e.status}` : ''}: ${e.message}`, 'error');
  } finally {
    button.disabled = false;
  }
}

/** Once a key is given: the request the listener refused for want of one, again. */
export function retryRecommend() {
  if (!refused) return;
  const { userId, cutoff, explain } = refused;
  refused = null;
  recommend(userId, cutoff, explain);
}

async function loadRated(userId) {
  const list = clear($('rated'));
  status($('rated-status'), 'Loading…');
  try {
    const answer = await get(`/users/${encodeURIComponent(userId)}/rated?top=10`);
    (answer.rated || []).forEach((m) => list.append(movieItem(m, { rating: m.rating })));
    status($('rated-status'), answer.known
      ? `Top ${answer.rated.length} of the ${answer.count} movies user ${userId} rated (model version ${answer.model_version}).`
      : `The model does not know user ${userId}.`);
  } catch (e) {
    status($('rated-status'), `Error${e.status ? ` ${e.status}` : ''}: ${e.message}`, 'error');
  }
}

async function showSimilar(movie) {
  const section = $('similar');
  section.hidden = false;
  $('similar-heading').textContent = `Similar to ${movie.title || `movie ${movie.movie_id}`}`;
  $('similar-heading').focus();
  const list = clear($('similar-list'));
  status($('similar-status'), 'Loading…');
  try {
    const answer = await get(`/movies/${encodeURIComponent(movie.movie_id)}/similar?cutoff=10`);
    (answer.recommendations || []).forEach((m) => list.append(movieItem(m, { score: m.score })));
    status($('similar-status'), `${(answer.recommendations || []).length} movies closest by their vectors (cosine).`);
  } catch (e) {
    status($('similar-status'), `Error${e.status ? ` ${e.status}` : ''}: ${e.message}`, 'error');
  }
}

export function initRecommend() {
  const form = $('recommend-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const userId = Number($('user-id').value);
    const cutoff = Number($('cutoff').value || 10);
    if (!Number.isInteger(userId)) {
      status($('recommend-status'), 'The user id must be a whole number.', 'error');
      return;
    }
    recommend(userId, cutoff, $('explain').checked);
  });
  document.querySelectorAll('button.sample').forEach((b) => b.addEventListener('click', () => {
    $('user-id').value = b.dataset.user;
    form.requestSubmit();
  }));
}
