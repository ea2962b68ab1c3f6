/**
 * The settings row that marks a test database (`store.testMode.markTestDatabase`): not one of
 * the global settings, which the settings feature reads by their own keys and never this one.
 */
export const TEST_DATABASE = 'test_database';
