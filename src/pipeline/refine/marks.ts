// Step 9's marks are drawn by core (shared with the agent loop); kept as a path for old importers.
export * from '../../core/marks.js';
