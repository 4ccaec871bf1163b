import * as assert from 'node:assert/strict';
import { chosenImage, orderImageTags } from '../../src/core/stack/image-choice';

describe('Update Image: the image chosen', () => {
    it('is the tag typed in full, whatever the list highlights', () => {
        // The issue: typing `web:v2` and Enter rolled the service to the highlighted `app:latest`.
        assert.equal(chosenImage('web:v2', 'app:latest'), 'web:v2');
        assert.equal(chosenImage('  web:v2 ', 'web:v2'), 'web:v2');
        assert.equal(chosenImage('registry.local/x:1', undefined), 'registry.local/x:1');
    });

    it('is the highlighted item when nothing is typed, or when the typed text filters to it', () => {
        assert.equal(chosenImage('', 'app:v3'), 'app:v3');
        assert.equal(chosenImage('v3', 'app:v3'), 'app:v3');
        assert.equal(chosenImage('', undefined), undefined);
    });

    it('lists the service\'s repository first, without <none> and duplicates', () => {
        assert.deepEqual(orderImageTags(['nginx:1', 'web:v2', '<none>:<none>', 'app:latest', 'web:v1', 'web:v2'], 'web:v1'), ['web:v1', 'web:v2', 'app:latest', 'nginx:1']);
        assert.deepEqual(orderImageTags(['b:1', 'a:1'], undefined), ['a:1', 'b:1']);
    });
});
