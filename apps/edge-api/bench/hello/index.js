// Answers the bench's readiness probe the way the API does (302), and nothing else.
export default {
  fetch: () => new Response(null, { status: 302, headers: { Location: '/docs' } }),
};
